"""A tiny progress printer (no dependency): a live line on a terminal, a line per
few percent or half-minute in a log file (``nohup ... &`` runs)."""

import sys
import time


def _duration(seconds):
    seconds = int(seconds)
    if seconds >= 3600:
        return f"{seconds // 3600}h{seconds % 3600 // 60:02d}m"
    if seconds >= 60:
        return f"{seconds // 60}m{seconds % 60:02d}s"
    return f"{seconds}s"


class Progress:
    def __init__(self, total, label="alerts", stream=None, enabled=True):
        self.total = total
        self.label = label
        self.stream = stream or sys.stderr
        self.enabled = enabled and total > 0
        self.done = 0
        self.start = time.monotonic()
        self.tty = hasattr(self.stream, "isatty") and self.stream.isatty()
        self._last_print = 0.0
        self._last_pct = -1

    def line(self):
        elapsed = time.monotonic() - self.start
        rate = self.done / elapsed if elapsed > 0 else 0.0
        eta = (self.total - self.done) / rate if rate > 0 else 0.0
        width = 30
        filled = int(width * self.done / self.total) if self.total else width
        bar = "#" * filled + "-" * (width - filled)
        return (
            f"[{bar}] {self.done:,}/{self.total:,} {self.label} "
            f"({100 * self.done / self.total:5.1f}%) {rate:,.1f}/s "
            f"elapsed {_duration(elapsed)} eta {_duration(eta)}"
        )

    def advance(self, n=1):
        self.done += n
        if not self.enabled:
            return
        now = time.monotonic()
        pct = int(100 * self.done / self.total)
        if self.tty:
            if now - self._last_print > 0.2 or self.done >= self.total:
                self.stream.write("\r" + self.line())
                self.stream.flush()
                self._last_print = now
        elif pct >= self._last_pct + 5 or now - self._last_print > 30 or self.done >= self.total:
            self.stream.write(self.line() + "\n")
            self.stream.flush()
            self._last_print, self._last_pct = now, pct

    def close(self):
        if self.enabled and self.tty:
            self.stream.write("\n")
            self.stream.flush()
        self.enabled = False
