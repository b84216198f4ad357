"""gunicorn settings for `make run` and bench/load.py.

Sync workers, one request at a time each, 2×cores+1 of them: a request here spends its time in Python (templates,
SQLite in the process), not waiting, and a sync worker takes a connection only when it is free, so every request
waits in one queue. Threaded workers let a keep-alive connection stay on a busy worker while another idles: the
mixed load's p99 was 270 ms with 5 workers × 4 threads and 114 ms with 5 sync workers (bench/load.py, issue 19).
A slow client would hold a sync worker: the bureau's nginx in front buffers uploads and answers (docs/operations.md).
GUNICORN_THREADS above 1 gives threaded (gthread) workers instead."""
import multiprocessing
import os

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", min(2 * multiprocessing.cpu_count() + 1, 9)))
threads = int(os.environ.get("GUNICORN_THREADS", 1))
worker_class = "gthread" if threads > 1 else "sync"
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
