"""The simulated camera as a real video stream: MJPEG over HTTP on loopback.

`GET /video.mjpg` streams multipart/x-mixed-replace JPEG parts at the camera's frame rate
(OpenCV's VideoCapture opens it as it opens an IP camera); each part carries its sim capture
time in an `X-Capture-Time` header. `GET /frame.jpg` returns one frame. A client that goes
away ends only its own stream.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

import anyio
import cv2
from anyio.abc import Listener, SocketStream

from sim.camera import Frame

logger = logging.getLogger(__name__)

BOUNDARY = b"patrolframe"
JPEG_QUALITY = 85
MAX_REQUEST_BYTES = 8192


def encode_jpeg(frame: Frame) -> bytes:
    ok, data = cv2.imencode(".jpg", frame.image, [cv2.IMWRITE_JPEG_QUALITY, JPEG_QUALITY])
    if not ok:
        raise RuntimeError("JPEG encoding failed")
    return bytes(data)


async def _read_request(stream: SocketStream) -> str | None:
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = await stream.receive(1024)
        data += chunk
        if len(data) > MAX_REQUEST_BYTES:
            return None
    line = data.split(b"\r\n", 1)[0].decode("latin-1")
    parts = line.split()
    return parts[1] if len(parts) >= 2 and parts[0] == "GET" else None


class MjpegServer:
    """Serves frames from `source` (called per frame) at up to `fps` frames per wall second."""

    def __init__(self, source: Callable[[], Frame], fps: float) -> None:
        self.source = source
        self.fps = fps
        self.frames_sent = 0

    async def serve(self, listener: Listener[SocketStream]) -> None:
        """Answer clients on `listener` (bound by the caller, so a taken port is its to say)
        until cancelled."""
        await listener.serve(self._handle)

    async def _handle(self, stream: SocketStream) -> None:
        async with stream:
            try:
                path = await _read_request(stream)
                if path in ("/video.mjpg", "/"):
                    await self._stream(stream)
                elif path == "/frame.jpg":
                    body = encode_jpeg(self.source())
                    await stream.send(
                        b"HTTP/1.0 200 OK\r\nContent-Type: image/jpeg\r\n"
                        + f"Content-Length: {len(body)}\r\n\r\n".encode()
                        + body
                    )
                else:
                    await stream.send(b"HTTP/1.0 404 Not Found\r\nContent-Length: 0\r\n\r\n")
            except (anyio.BrokenResourceError, anyio.EndOfStream, ConnectionError) as exc:
                logger.debug("video client left: %s", exc)

    async def _stream(self, stream: SocketStream) -> None:
        await stream.send(
            b"HTTP/1.0 200 OK\r\nCache-Control: no-cache\r\n"
            b"Content-Type: multipart/x-mixed-replace; boundary=" + BOUNDARY + b"\r\n\r\n"
        )
        period_s = 1.0 / self.fps
        while True:
            frame = self.source()
            body = encode_jpeg(frame)
            head = (
                f"--{BOUNDARY.decode()}\r\nContent-Type: image/jpeg\r\n"
                f"Content-Length: {len(body)}\r\n"
                f"X-Capture-Time: {frame.capture_time_s:.3f}\r\n\r\n"
            ).encode()
            await stream.send(head + body + b"\r\n")
            self.frames_sent += 1
            await anyio.sleep(period_s)
