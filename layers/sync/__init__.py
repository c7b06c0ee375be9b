"""Keeping a layer in step with a public archive: :mod:`.http` fetches, :mod:`.archive` syncs
the daily archive, :mod:`.history` DeepStateMap's history API."""

from .archive import ARCHIVE_FIRST_DAY, DEFAULT_BASE_URL, SOURCE, SyncResult, sync_archive
from .history import DEFAULT_BASE_URL as HISTORY_BASE_URL
from .history import SOURCE as HISTORY_SOURCE
from .history import HistoryResult, sync_history
from .http import Fetched, Fetcher, NoNetworkError

__all__ = [
    "ARCHIVE_FIRST_DAY",
    "DEFAULT_BASE_URL",
    "HISTORY_BASE_URL",
    "HISTORY_SOURCE",
    "SOURCE",
    "Fetched",
    "Fetcher",
    "HistoryResult",
    "NoNetworkError",
    "SyncResult",
    "sync_archive",
    "sync_history",
]
