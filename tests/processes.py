"""Real processes beside the test server: the task worker and an SMTP server.

The worker is ``manage.py db_worker`` itself, in its own process, reading the test
database, as in production. Tests that use it must commit what they write
(``transactional_db``), since another process cannot see an open transaction.
"""

import os
import shutil
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import quote

from aiosmtpd.controller import Controller
from django.db import connection

ROOT = Path(__file__).resolve().parent.parent


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(condition, *, timeout=20.0, interval=0.1, message="condition"):
    """Poll ``condition`` until it returns something true; fail after ``timeout``."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {message}")
        time.sleep(interval)


def current_database_url():
    """A DATABASE_URL naming the database this test process is using."""
    db = connection.settings_dict
    if db["ENGINE"] == "django.db.backends.sqlite3":
        return f"sqlite:///{db['NAME']}"
    credentials = quote(db["USER"] or "", safe="")
    if db["PASSWORD"]:
        credentials += ":" + quote(db["PASSWORD"], safe="")
    host = db["HOST"] or "127.0.0.1"
    return f"postgres://{credentials}@{host}:{db['PORT'] or 5432}/{db['NAME']}"


class Worker:
    """``manage.py db_worker`` in a child process; ``stop()`` ends it as a supervisor would."""

    def __init__(self, **env):
        self.log = ROOT / ".pytest_cache" / f"worker-{os.getpid()}-{free_port()}.log"
        self.log.parent.mkdir(exist_ok=True)
        environment = os.environ | {
            "DATABASE_URL": current_database_url(),
            "DJANGO_SETTINGS_MODULE": "config.settings",
            # Retries a second apart, so a test sees several within its time.
            "TASK_RETRY_DELAYS": "1,1,1,1,1,1,1,1,1,1",
        }
        environment.update(env)
        self._log_file = self.log.open("w")
        self.process = subprocess.Popen(
            [sys.executable, "manage.py", "db_worker", "--interval", "0.1"]
            + ["--no-startup-delay", "--no-reload", "--queue-name", "*"],
            cwd=ROOT,
            env=environment,
            stdout=self._log_file,
            stderr=subprocess.STDOUT,
        )

    def output(self):
        return self.log.read_text()

    def stop(self):
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self._log_file.close()


class Inbox:
    """What an SMTP server on loopback received, one entry per message."""

    def __init__(self):
        self.messages = []
        self._lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        with self._lock:
            self.messages.append(
                {
                    "from": envelope.mail_from,
                    "to": sorted(envelope.rcpt_tos),
                    "content": envelope.content.decode("utf-8", "replace"),
                }
            )
        return "250 Message accepted for delivery"


class SMTPServer:
    """aiosmtpd on a fixed loopback port, which can be stopped and started again:
    a mail server that is down, then back."""

    def __init__(self):
        self.port = free_port()
        self.inbox = Inbox()
        self._controller = None

    def start(self):
        self._controller = Controller(self.inbox, hostname="127.0.0.1", port=self.port)
        self._controller.start()

    def stop(self):
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    @property
    def env(self):
        return {
            "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "EMAIL_HOST": "127.0.0.1",
            "EMAIL_PORT": str(self.port),
        }


class Varnish:
    """varnishd with the shipped deploy/varnish/alerts.vcl, in front of ``backend``
    (host, port), with its own backends.vcl allowing purges from 127.0.0.1 only."""

    VARNISHD = shutil.which("varnishd") or "/usr/sbin/varnishd"

    def __init__(self, workdir, backend):
        self.port = free_port()
        self.purge_port = free_port()
        host, port = backend
        workdir = Path(workdir)
        (workdir / "backends.vcl").write_text(
            f'backend default {{ .host = "{host}"; .port = "{port}"; }}\n'
            'acl purgers { "127.0.0.1"; }\n'
        )
        self.log = workdir / "varnishd.log"
        self._log_file = self.log.open("w")
        self.process = subprocess.Popen(
            [self.VARNISHD, "-F", "-n", str(workdir / "state"), "-a", f"127.0.0.1:{self.port}"]
            + ["-a", f"purge=127.0.0.1:{self.purge_port}"]
            + ["-f", str(ROOT / "deploy" / "varnish" / "alerts.vcl")]
            + ["-p", f"vcl_path={workdir}:{ROOT / 'deploy' / 'varnish'}"]
            # No management port; no separate user (the test's own user runs it).
            + ["-T", "none", "-j", "none", "-s", "malloc,64m"],
            stdout=self._log_file,
            stderr=subprocess.STDOUT,
        )
        wait_for(self._listening, timeout=60, message=f"varnishd on port {self.port}")

    @classmethod
    def available(cls):
        return os.access(cls.VARNISHD, os.X_OK)

    @property
    def url(self):
        return f"http://127.0.0.1:{self.port}"

    @property
    def purge_url(self):
        """Where the app's workers purge (FRONT_CACHE_URLS)."""
        return f"http://127.0.0.1:{self.purge_port}"

    def _listening(self):
        if self.process.poll() is not None:
            raise AssertionError("varnishd exited:\n" + self.log.read_text())
        with socket.socket() as s:
            return s.connect_ex(("127.0.0.1", self.port)) == 0

    def stop(self):
        self.process.terminate()
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self._log_file.close()
