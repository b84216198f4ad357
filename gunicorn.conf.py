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
