"""Previewed imports waiting for the clerk's confirmation: the uploaded workbook kept under IMPORT_DIR by a random
token. One that is never confirmed is swept after a day (on start and whenever a new preview is kept)."""
import fcntl
import os
import secrets
import time
from contextlib import contextmanager, suppress

from flask import current_app

MAX_AGE_SECONDS = 24 * 3600


def path_of(token, directory=None):
    """The preview file of a token, or None when the token is not one this module hands out."""
    if not token or len(token) != 32 or not all(c in "0123456789abcdef" for c in token):
        return None
    return os.path.join(directory or current_app.config["IMPORT_DIR"], token + ".xlsx")


def keep(data):
    """Store the workbook for its confirmation; returns the token."""
    directory = current_app.config["IMPORT_DIR"]
    sweep(directory)
    os.makedirs(directory, exist_ok=True)
    token = secrets.token_hex(16)
    with open(path_of(token, directory), "wb") as fh:
        fh.write(data)
    return token


class Busy(Exception):
    """Another request is importing this preview right now."""


@contextmanager
def confirming(token):
    """The previewed workbook for one confirmation at a time: yields its bytes, or None when the token is unknown,
    swept, or already imported. The file goes once the confirmation ends without an error; a confirmation killed
    midway leaves it (the kernel drops the lock), so the clerk can confirm again after a restart. A second click while
    the first is importing raises Busy."""
    path = path_of(token)
    try:
        handle = open(path, "rb") if path else None
    except FileNotFoundError:
        handle = None
    if handle is None:
        yield None
        return
    with handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise Busy from None
        if not os.path.exists(path):  # imported by the click that held the lock before this one
            yield None
            return
        yield handle.read()
        with suppress(FileNotFoundError):
            os.remove(path)


def sweep(directory, now=None, max_age=MAX_AGE_SECONDS):
    """Remove previews older than max_age seconds; returns how many went."""
    if not os.path.isdir(directory):
        return 0
    cutoff = (now or time.time()) - max_age
    removed = 0
    for entry in os.scandir(directory):
        if entry.is_file() and entry.name.endswith(".xlsx") and path_of(entry.name[:-5], directory):
            try:
                if entry.stat().st_mtime < cutoff:
                    os.remove(entry.path)
                    removed += 1
            except FileNotFoundError:  # confirmed or swept by another worker meanwhile
                pass
    return removed
