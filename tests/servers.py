"""Serve aiohttp applications from a background thread, for tests written in plain sync code."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Awaitable, Callable

from aiohttp import web

from senpai.harness import free_port


class ThreadedServers:
    """Runs aiohttp applications on 127.0.0.1 in their own event loop thread.

    ``start(...)`` takes callables that build the applications inside the loop
    (so they may open sessions), and returns the ports they listen on.
    """

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self._runners: list[web.AppRunner] = []
        self._thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self._thread.start()

    def run(self, coro: Awaitable[object], timeout: float = 30) -> object:
        """Run a coroutine in the servers' loop and wait for its result."""
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)  # type: ignore[arg-type]

    def start(self, build: Callable[[], web.Application], port: int | None = None) -> int:
        """Serve the application ``build()`` returns; return its port."""
        chosen = port or free_port()

        async def serve() -> None:
            runner = web.AppRunner(build())
            await runner.setup()
            await web.TCPSite(runner, "127.0.0.1", chosen).start()
            self._runners.append(runner)

        self.run(serve())
        return chosen

    def close(self) -> None:
        """Stop every application and the loop."""

        async def stop() -> None:
            for runner in reversed(self._runners):
                await runner.cleanup()

        self.run(stop())
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(10)
