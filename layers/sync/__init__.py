"""Keeping a layer in step with a public archive: :mod:`.http` fetches, :mod:`.archive` syncs."""

from .archive import ARCHIVE_FIRST_DAY, DEFAULT_BASE_URL, SOURCE, SyncResult, sync_archive
from .http import Fetched, Fetcher, NoNetworkError

__all__ = [
    "ARCHIVE_FIRST_DAY",
    "DEFAULT_BASE_URL",
    "SOURCE",
    "Fetched",
    "Fetcher",
    "NoNetworkError",
    "SyncResult",
    "sync_archive",
]
