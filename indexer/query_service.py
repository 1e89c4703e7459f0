"""Old import path of ``indexer.search_service`` (renamed); kept for plugins and tests."""
from indexer.search_service import *  # noqa: F401,F403
from indexer.search_service import (  # noqa: F401  (explicit, private names included)
    _from_json,
    _filters,
    SearchRequest,
    resolve_person_keys,
    run_search,
)
