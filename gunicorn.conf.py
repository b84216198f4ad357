"""gunicorn settings for `make run` and bench/load.py. Threaded workers: a request mostly waits on SQLite and
renders a template, so a few threads per process keep both cores busy without many processes."""
import multiprocessing
import os

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", min(2 * multiprocessing.cpu_count() + 1, 9)))
worker_class = "gthread"
threads = int(os.environ.get("GUNICORN_THREADS", 4))
timeout = 60
graceful_timeout = 20
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-") or None


def _drop_server_banner():
    """No `Server: gunicorn` header: it names the software to anyone scanning for a vulnerable version.

    gunicorn has no setting for it, and it drops a Server header set by the application (util.hop_headers), so the
    status line and default headers it writes itself (http.wsgi.Response.default_headers) are filtered here, in the
    master, before the workers fork.
    """
    from gunicorn.http import wsgi

    if getattr(wsgi.Response.default_headers, "without_server", False):
        return
    default_headers = wsgi.Response.default_headers

    def headers_without_server(self):
        return [line for line in default_headers(self) if not line.lower().startswith("server:")]

    headers_without_server.without_server = True
    wsgi.Response.default_headers = headers_without_server


_drop_server_banner()
