"""Old import path of ``agent.ask_service`` (renamed); kept for plugins and tests."""
from agent.ask_service import *  # noqa: F401,F403
from agent.ask_service import (  # noqa: F401  (explicit, private names included)
    AskRequest,
    parse_now,
    decided_by,
    run_ask,
)
