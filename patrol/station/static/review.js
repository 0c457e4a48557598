// The station's review page: zone map, flights, hits, and new hits live.
// Every API call carries the staff token (from #token=… once, then this tab's storage), so
// the live stream is read with fetch() rather than EventSource, which cannot send headers.
"use strict";

const HIT_STYLE = { radius: 9, color: "#3a0030", weight: 2, fillColor: "#ff00ff",
  fillOpacity: 1, className: "hit-marker" };
const state = { token: null, hits: new Map(), lastSeq: 0, flightLayer: null, fitted: false };
const map = L.map("map", { zoomControl: true, attributionControl: true, preferCanvas: false })
  .setView([16.545, 104.723], 15);
const hitLayer = L.layerGroup().addTo(map);

function $(id) { return document.getElementById(id); }

function showError(text) {
  const p = $("error");
  p.textContent = text;
  p.hidden = !text;
}

async function api(path) {
  const response = await fetch(path, { headers: { Authorization: `Bearer ${state.token}` } });
  if (response.status === 401 || response.status === 403) {
    sessionStorage.removeItem("patrol-token");
    $("login").hidden = false;
    throw new Error("the station refused this token: enter a staff token");
  }
  if (!response.ok) throw new Error(`${path}: HTTP ${response.status}`);
  return response;
}

function fmtTime(utc) { return utc ? utc.replace("T", " ").replace(/\.\d+Z$/, "Z") : "-"; }
function fmtDuration(s) { return `${Math.floor(s / 60)}:${String(Math.round(s % 60)).padStart(2, "0")}`; }
function fmtDistance(m) { return m >= 1000 ? `${(m / 1000).toFixed(2)} km` : `${Math.round(m)} m`; }

async function snapshotUrl(hit) {
  if (!hit.snapshotObjectUrl) {
    const blob = await (await api(hit.snapshot_url)).blob();
    hit.snapshotObjectUrl = URL.createObjectURL(blob);
  }
  return hit.snapshotObjectUrl;
}

function popupHtml(hit, img) {
  const div = document.createElement("div");
  div.className = "popup";
  if (img) { const i = document.createElement("img"); i.src = img; i.alt = "snapshot"; div.append(i); }
  const lines = [
    `${hit.class} (confidence ${Number(hit.confidence).toFixed(2)})`,
    `${fmtTime(hit.captured_utc)}`,
    `${hit.lat_deg.toFixed(6)}, ${hit.lon_deg.toFixed(6)} ± ${hit.error_m.toFixed(1)} m`,
    `${hit.vehicle}, flight ${hit.flight}${hit.zone ? ", " + hit.zone : ""}`,
  ];
  for (const text of lines) { const p = document.createElement("div"); p.textContent = text; div.append(p); }
  return div;
}

function addHit(hit, isNew) {
  if (state.hits.has(hit.id)) return;
  state.lastSeq = Math.max(state.lastSeq, hit.seq || 0);
  const marker = L.circleMarker([hit.lat_deg, hit.lon_deg], HIT_STYLE).addTo(hitLayer);
  marker.bindPopup(() => popupHtml(hit, null));
  marker.on("popupopen", async () => {
    try { marker.setPopupContent(popupHtml(hit, await snapshotUrl(hit))); }
    catch (e) { showError(String(e.message || e)); }
  });
  hit.marker = marker;
  state.hits.set(hit.id, hit);
  const li = document.createElement("li");
  li.textContent = `${fmtTime(hit.captured_utc)} ${hit.class} ${Number(hit.confidence).toFixed(2)}`
    + (hit.zone ? ` (${hit.zone})` : "");
  li.dataset.id = hit.id;
  if (isNew) {
    li.classList.add("new");
    const row = document.querySelector(`tr.flight[data-id="${CSS.escape(hit.flight)}"]`);
    if (row) row.lastChild.textContent = String(Number(row.lastChild.textContent) + 1);
  }
  li.addEventListener("click", () => { map.setView(marker.getLatLng(), Math.max(map.getZoom(), 17)); marker.openPopup(); });
  $("hits").prepend(li);
  const count = $("hit-count");
  count.dataset.count = String(state.hits.size);
  count.textContent = `${state.hits.size} hits`;
  if (!state.fitted && !state.flightLayer) map.setView(marker.getLatLng(), 16);
}

function drawFlight(record) {
  if (state.flightLayer) state.flightLayer.remove();
  const layer = L.featureGroup();
  for (const shape of record.fence) {
    const style = shape.inclusion
      ? { color: "#2456a6", weight: 2, fill: false, dashArray: "6 4", className: "fence-inclusion" }
      : { color: "#b3261e", weight: 1, fillColor: "#b3261e", fillOpacity: 0.25, className: "fence-exclusion" };
    if (shape.polygon) L.polygon(shape.polygon, style).addTo(layer);
    else L.circle(shape.center, { ...style, radius: shape.radius_m }).addTo(layer);
  }
  if (record.route.length) L.polyline(record.route, { color: "#7a8591", weight: 1, dashArray: "2 4", className: "route" }).addTo(layer);
  if (record.track.length) L.polyline(record.track.map(p => [p[1], p[2]]), { color: "#1f6fd1", weight: 3, className: "track" }).addTo(layer);
  layer.addTo(map);
  hitLayer.bringToFront && hitLayer.eachLayer(m => m.bringToFront());
  state.flightLayer = layer;
  if (!state.fitted && layer.getLayers().length) { map.fitBounds(layer.getBounds().pad(0.05)); state.fitted = true; }
}

async function selectFlight(id, row) {
  for (const r of document.querySelectorAll("tr.flight")) r.classList.toggle("selected", r === row);
  drawFlight(await (await api(`/api/v1/flights/${encodeURIComponent(id)}`)).json());
}

async function loadFlights() {
  const { flights } = await (await api("/api/v1/flights")).json();
  const body = $("flights").querySelector("tbody");
  body.replaceChildren();
  for (const f of flights) {
    const row = document.createElement("tr");
    row.className = "flight";
    row.dataset.id = f.id;
    for (const text of [fmtTime(f.started_utc), f.vehicle, f.state === "flying" ? "flying" : fmtDuration(f.duration_s), fmtDistance(f.distance_m), String(f.hits)]) {
      const td = document.createElement("td"); td.textContent = text; row.append(td);
    }
    row.addEventListener("click", () => selectFlight(f.id, row).catch(e => showError(e.message)));
    body.append(row);
  }
  if (flights.length && !state.flightLayer) await selectFlight(flights[0].id, body.firstChild);
}

function parseEvents(buffer, onEvent) {
  let cut;
  while ((cut = buffer.indexOf("\n\n")) >= 0) {
    const block = buffer.slice(0, cut);
    buffer = buffer.slice(cut + 2);
    let kind = "message", data = "";
    for (const line of block.split("\n")) {
      if (line.startsWith("event: ")) kind = line.slice(7);
      else if (line.startsWith("data: ")) data += line.slice(6);
    }
    if (data) onEvent(kind, JSON.parse(data));
  }
  return buffer;
}

async function follow() {
  const status = $("live-status");
  for (let wait = 1000; ; wait = Math.min(wait * 2, 15000)) {
    try {
      const response = await api(`/api/v1/events?after=${state.lastSeq}`);
      status.textContent = "live"; status.className = "status live"; wait = 1000;
      const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
      let buffer = "";
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buffer = parseEvents(buffer + value, (kind, data) => {
          if (kind === "hit") addHit(data, true);
          else if (kind === "flight") loadFlights().catch(e => showError(e.message));
        });
      }
    } catch (e) {
      if (!state.token) return;
    }
    status.textContent = "reconnecting"; status.className = "status down";
    await new Promise(r => setTimeout(r, wait));
  }
}

async function start() {
  const config = await (await fetch("/api/v1/config")).json();
  if (config.tiles_url) L.tileLayer(config.tiles_url, { maxZoom: 20, attribution: "base map" }).addTo(map);
  const fromHash = new URLSearchParams(location.hash.slice(1)).get("token");
  if (fromHash) { sessionStorage.setItem("patrol-token", fromHash); history.replaceState(null, "", location.pathname); }
  state.token = sessionStorage.getItem("patrol-token");
  if (!state.token) { $("login").hidden = false; return; }
  $("login").hidden = true;
  try {
    await loadFlights();
    const { hits } = await (await api("/api/v1/hits")).json();
    for (const hit of hits) addHit(hit, false);
    showError("");
  } catch (e) { showError(e.message); return; }
  follow();
}

$("login").addEventListener("submit", ev => {
  ev.preventDefault();
  sessionStorage.setItem("patrol-token", $("token").value.trim());
  start();
});
start().catch(e => showError(String(e.message || e)));
