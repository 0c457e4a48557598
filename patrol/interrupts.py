"""Signal capture for an operation: SIGINT and SIGTERM, and the Ctrl-C question.

SIGTERM stops the operation at once with a return. Ctrl-C on a terminal asks whether to
return (the default, also after `QUESTION_TIMEOUT_S` without an answer, or on a second
Ctrl-C) or to leave the vehicles on their missions; without a terminal it returns. After a
Ctrl-C return the controller keeps watching to the landing, until a further Ctrl-C leaves
the return to the autopilot alone. The question is answered by a key, which the operation's
key reader hands to `Asking.answer`.
"""

from __future__ import annotations

import signal
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass

import anyio

from patrol.keys import QUESTION_TIMEOUT_S, leave_answer

QUESTION = (
    "Ctrl-C: return to launch? [Y/n] (n: the controller exits, the vehicles fly on until "
    f"their link-loss failsafe returns them; Y in {QUESTION_TIMEOUT_S:.0f} s)"
)


@dataclass(frozen=True, slots=True)
class Stop:
    """Why the operation stops: the signal, and whether the pilot chose to leave the vehicles
    on their missions (else they return)."""

    signum: int
    leave: bool

    def describe(self) -> str:
        return f"signal {self.signum}: " + (
            "leave on mission" if self.leave else "return to launch"
        )


class Asking:
    """The Ctrl-C question while it waits for its key (at most one at a time)."""

    def __init__(self) -> None:
        self._answered: anyio.Event | None = None
        self._key: str | None = None

    @property
    def open(self) -> bool:
        return self._answered is not None

    def answer(self, key: str | None) -> None:
        if self._answered is not None:
            self._key = key
            self._answered.set()

    async def ask(self, signals: AsyncIterator[int], timeout_s: float) -> bool:
        """Wait for the key (a further signal answers: return); True leaves the vehicles."""
        self._answered, self._key = anyio.Event(), None
        async with anyio.create_task_group() as tg:

            async def second_signal() -> None:
                async for _ in signals:
                    self.answer("y")
                    return

            tg.start_soon(second_signal)
            with anyio.move_on_after(timeout_s):
                await self._answered.wait()
            tg.cancel_scope.cancel()
        self._answered = None
        return leave_answer(self._key)


async def next_stop(
    signals: AsyncIterator[int], asking: Asking | None, show_question: Callable[[str], None]
) -> Stop:
    """The next SIGINT, SIGTERM or SIGHUP from `signals`, turned into a `Stop`."""
    async for signum in signals:
        return await decide(signum, signals, asking, show_question)
    raise AssertionError("the signal receiver never ends")  # pragma: no cover


async def decide(
    signum: int,
    signals: AsyncIterator[int],
    asking: Asking | None,
    show_question: Callable[[str], None],
) -> Stop:
    """What `signum` means: with `asking` (a terminal is there to answer, and a vehicle in
    the air to leave), SIGINT asks the question through `show_question` first."""
    leave = False
    if signum == signal.SIGINT and asking is not None:
        show_question(QUESTION)
        leave = await asking.ask(signals, QUESTION_TIMEOUT_S)
    return Stop(signum, leave)


def watches_the_return(stop: Stop) -> bool:
    """Whether the controller stays on watch after this stop: a pilot's Ctrl-C that chose the
    return keeps the dashboard (or the progress lines) going to the landing; SIGTERM (a
    service manager stopping the controller) commands the return and exits at once."""
    return stop.signum == signal.SIGINT and not stop.leave
