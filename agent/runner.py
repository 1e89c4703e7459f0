"""Old import path of ``agent.executor`` (renamed); kept for plugins and tests."""
from agent.executor import *  # noqa: F401,F403
from agent.executor import (  # noqa: F401  (explicit, private names included)
    AgentResult,
    known_places,
    load_registry_for,
    agent_setting,
    OUT_OF_SCOPE_ANSWER,
    Agent,
    describe_calls,
)
