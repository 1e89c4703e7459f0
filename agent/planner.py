"""Old import path of ``agent.deterministic_planner`` (renamed); kept for plugins and tests."""
from agent.deterministic_planner import *  # noqa: F401,F403
from agent.deterministic_planner import (  # noqa: F401  (explicit, private names included)
    ASK,
    ACTION_THRESHOLD,
    QUESTION_START,
    DATE_PARAM_NAMES,
    PERSON_PARAM_NAMES,
    FILLER,
    TODO_WORDS,
    STYLE_BY_WORD,
    question_style,
    DeterministicPlanner,
    understand_question,
    residual_query,
    _template_regex,
    template_route,
    _with_dates_cut,
    _param_kind,
    fill_intent_arguments,
    _fallback_arguments,
)
