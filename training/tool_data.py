"""Function-calling examples for the planner adapter, in the format `kith serve` and `kith eval tools` decode.

The planner adapter is kith's function-calling adapter: besides the planner's own prompt
(`training.planner_data`), it learns the tool-call format of `runtime.tool_calls` (the compact function
list as the system prompt, then exactly one `{"name": ..., "arguments": {...}}` or the explicit no-call
`{"content": "I cannot do that"}`). Two sources, both synthesized here:

- the user's installed intents as tools, questions filled from their phrases (with `PlannerData`);
- `GENERIC` (13 everyday functions written for this module) and `training.tool_functions.BANK` (40 more,
  across science, maths, money, travel, media and home; kith's licence), whose parameter descriptions
  carry example values that differ from the question's, so that the adapter learns to copy values from
  the user's words rather than from the descriptions.

Thirty in a hundred of the everyday-function examples are "no call": a question paired with tools
that cannot answer it. Those are a near miss (a question on the function's own topic that it cannot do,
such as a rectangle's area for `rectangle_perimeter`), a hard negative (the question with functions of
the same domain, its neighbours in the list), or other functions' tools; plus out-of-scope questions
from `agent.oos_pool`. No benchmark item is
used. Every target validates against `runtime.tool_calls.tool_call_schema` (tests check it).
"""
from __future__ import annotations

import json
import random
from dataclasses import dataclass
from typing import Any, Callable

from runtime.tool_calls import tool_prompt

NO_CALL = {"content": "I cannot do that"}
Value = Callable[[random.Random], Any]


@dataclass(frozen=True)
class Said:
    """A value the user says in other words than the argument holds: "5%" for a rate of 0.05, "$2 million"
    for 2000000. Functions' numeric parameters take the plain number, whatever the question's wording."""

    value: Any
    text: str


def _percent(pool: list[float]) -> Value:
    """A rate stored as a decimal, said as a percentage ("4.5%", "4.5 percent")."""
    def draw(r: random.Random) -> Said:
        rate = r.choice(pool)
        shown = f"{rate * 100:.6g}"
        return Said(rate, r.choice([f"{shown}%", f"{shown}%", f"{shown} percent"]))
    return draw


def _amount(lo: int, hi: int, currency: bool = True) -> Value:
    """A round amount, said with thousands separators or in words ("$2 million"; the sign only for money)."""
    scales = [(unit, word, max(1, -(-lo // unit)), min(hi // unit, 900))  # (unit, word, lowest, highest head)
              for unit, word in ((1, ""), (1000, " thousand"), (1_000_000, " million"))]
    scales = [scale for scale in scales if scale[2] <= scale[3]]

    def draw(r: random.Random) -> Said:
        unit, word, low, high = r.choice(scales)
        head = r.randint(low, high)
        value = head * unit
        text = f"{head}{word}" if word and r.random() < 0.5 else f"{value:,}"
        return Said(value, ("$" if currency and r.random() < 0.6 else "") + text)
    return draw


CITIES = ["Lisbon", "Denver", "Osaka", "Nairobi", "Toronto", "Porto", "Lyon", "Austin", "Bergen", "Cusco"]
NAMES = ["Maya", "Tom Becker", "Priya", "Jonas", "Ana Silva", "Kenji", "Lena", "Omar"]
WORDS = ["banana bread", "quantum computing", "jazz festivals", "the French revolution", "solar panels",
         "marathon training", "sourdough", "volcanoes"]


@dataclass(frozen=True)
class Param:
    name: str
    type: str  # JSON Schema type
    description: str
    value: Value
    required: bool = True
    enum: tuple[str, ...] = ()
    items: str | None = None  # the element type of an array


@dataclass(frozen=True)
class Function:
    name: str
    description: str
    params: tuple[Param, ...]
    questions: tuple[str, ...]  # {param} slots; optional params appear only in some questions

    def tool(self) -> dict[str, Any]:
        props = {}
        for p in self.params:
            schema: dict[str, Any] = {"type": p.type, "description": p.description}
            if p.enum:
                schema["enum"] = list(p.enum)
            if p.items:
                schema["items"] = {"type": p.items}
            props[p.name] = schema
        return {"name": self.name, "description": self.description,
                "parameters": {"type": "object", "properties": props,
                               "required": [p.name for p in self.params if p.required]}}


def _int(lo: int, hi: int) -> Value:
    return lambda r: r.randint(lo, hi)


def _pick(pool: list[Any]) -> Value:
    return lambda r: r.choice(pool)


def _money(r: random.Random) -> float:
    return round(r.uniform(5, 5000), 2)


GENERIC = (  # names and questions written for kith; none is a function of the BFCL test categories
    Function("rectangle_perimeter", "Compute the perimeter of a rectangle from its width and length.",
             (Param("width", "integer", "The width, e.g. 10.", _int(2, 90)),
              Param("length", "integer", "The length, e.g. 5.", _int(2, 90)),
              Param("unit", "string", "The unit of length, e.g. 'cm'.", _pick(["m", "inches", "feet"]), False)),
             ("What is the perimeter of a rectangle {width} wide and {length} long?",
              "Perimeter of a rectangle with width {width} {unit} and length {length} {unit}, please.")),
    Function("weather_forecast_days", "Get the weather forecast for a city for the next days.",
             (Param("city", "string", "The city name, e.g. 'San Francisco, CA'.", _pick(CITIES)),
              Param("days", "integer", "How many days ahead, e.g. 3.", _int(1, 10), False)),
             ("Will it rain in {city} this week?", "Give me the {days}-day forecast for {city}.")),
    Function("share_expense", "Share an expense between people, with an optional tip.",
             (Param("total", "number", "The bill total, e.g. 100.", _money),
              Param("people", "integer", "How many people pay, e.g. 4.", _int(2, 12)),
              Param("tip_percent", "integer", "Tip in percent, e.g. 15.", _pick([5, 10, 12, 18, 20]), False)),
             ("Split a bill of {total} between {people} people.",
              "We are {people} and the bill is {total}; add a {tip_percent} percent tip and split it.")),
    Function("loan_monthly_payment", "Compute the monthly payment of a fixed-rate loan.",
             (Param("principal", "number", "The amount borrowed, e.g. 1000.", _amount(1000, 900_000)),
              Param("annual_rate", "number", "The yearly interest rate as a decimal, e.g. 0.05.",
                    _percent([0.02, 0.03, 0.04, 0.055, 0.07, 0.08])),
              Param("years", "integer", "The term in years, e.g. 10.", _int(2, 40))),
             ("What is the monthly payment on a {principal} loan at {annual_rate} over {years} years?",
              "Monthly installment for borrowing {principal} for {years} years at a rate of {annual_rate}?")),
    Function("find_parking", "Find parking garages near a place, optionally under a maximum hourly price.",
             (Param("location", "string", "The area, e.g. 'Boston, MA'.", _pick(CITIES)),
              Param("max_price", "number", "Highest hourly price, e.g. 4.5.", _pick([1.5, 2, 3.5, 6]), False)),
             ("Where can I park in {location}?", "Find parking in {location} for at most {max_price} an hour.")),
    Function("get_train_departures", "List the next train departures from a station.",
             (Param("station", "string", "The station, e.g. 'Union Station'.",
                    _pick(["Rossio", "Santa Apolonia", "Gare du Nord", "Shinjuku", "Central Station"])),
              Param("count", "integer", "How many departures, e.g. 5.", _int(2, 8), False)),
             ("When do the next trains leave from {station}?", "Show the next {count} departures at {station}.")),
    Function("book_ferry", "Book a ferry crossing between two ports on a date.",
             (Param("origin", "string", "Departure port, e.g. 'Dover'.", _pick(CITIES)),
              Param("destination", "string", "Arrival port, e.g. 'Calais'.", _pick(CITIES)),
              Param("date", "string", "Date in YYYY-MM-DD format, e.g. '2023-01-01'.",
                    lambda r: f"2027-{r.randint(1, 12):02d}-{r.randint(1, 28):02d}")),
             ("Book a ferry from {origin} to {destination} on {date}.",
              "I need a ferry crossing {origin} to {destination} for {date}.")),
    Function("fibonacci_number", "Return the n-th Fibonacci number.",
             (Param("n", "integer", "The position, e.g. 5.", _int(3, 40)),),
             ("What is Fibonacci number {n}?", "Give me the {n}th Fibonacci number.")),
    Function("search_podcasts", "Search podcast episodes by topic words or host.",
             (Param("query", "string", "Words to search for, e.g. 'true crime'.", _pick(WORDS)),
              Param("host", "string", "Host name, e.g. 'Joe Smith'.", _pick(NAMES), False),
              Param("limit", "integer", "Maximum number of results, e.g. 10.", _int(3, 25), False)),
             ("Find podcast episodes about {query}.", "Show me {limit} episodes about {query} hosted by {host}.")),
    Function("post_note", "Post a note to a team channel.",
             (Param("channel", "string", "Channel name, e.g. 'general'.", _pick(["design", "ops", "family", "books"])),
              Param("title", "string", "Note title.", _pick(["Lunch", "Invoice 42", "Trip plans", "Hello"])),
              Param("text", "string", "Note text.", _pick(["see you at noon", "the invoice is attached",
                                                             "tickets are booked"]))),
             ('Post a note titled "{title}" to {channel} saying "{text}".',
              'Put a note in the {channel} channel, title {title}, text: {text}')),
    Function("daily_water_intake", "Estimate how much water a person should drink per day.",
             (Param("weight", "number", "Body weight in kilograms, e.g. 70.", _int(45, 120)),
              Param("activity_hours", "number", "Hours of exercise per day, e.g. 1.5.", _pick([0.5, 1, 2, 3])),),
             ("I weigh {weight} kg and exercise {activity_hours} hours a day. How much water should I drink?",
              "Daily water for someone of {weight} kg with {activity_hours} hours of activity?")),
    Function("define_word", "Give the dictionary definition of a word in a language.",
             (Param("word", "string", "The word, e.g. 'serendipity'.", _pick(["ephemeral", "saudade", "gezellig",
                                                                               "petrichor"])),
              Param("language", "string", "Language of the dictionary, e.g. 'English'.",
                    _pick(["Dutch", "Portuguese", "English"]), False)),
             ("What does {word} mean?", "Define {word} using the {language} dictionary.")),
    Function("median_of", "Return the median of a list of numbers.",
             (Param("numbers", "array", "The numbers.", lambda r: [r.randint(1, 99) for _ in range(r.randint(3, 6))],
                    items="integer"),),
             ("What is the median of {numbers}?", "Find the median of these values: {numbers}.")),
)


NEAR_MISSES = {  # written for kith: questions close to a function's topic that it cannot answer
    "rectangle_perimeter": ('What is the area of a rectangle 6 by 4?', 'How long is the diagonal of a 3 by 4 rectangle?', 'What is the perimeter of a circle with radius 2?'),
    "weather_forecast_days": ('What was the temperature in Lisbon last January?', 'Which city has the most rainy days a year?', 'When does the sun set in Osaka today?'),
    "share_expense": ('Convert 40 euros to dollars.', 'How much did I spend on groceries last month?', 'What is a normal tip in Japan?'),
    "loan_monthly_payment": ('What is the current mortgage rate in Portugal?', 'How much can I borrow with a salary of 3000?', 'Is it better to rent or to buy?'),
    "find_parking": ('Is street parking free on Sundays in Lyon?', 'How much is a parking ticket in Austin?', 'Find a gas station near Denver.'),
    "get_train_departures": ('Buy me a train ticket to Porto.', 'How long does the train from Rossio to Sintra take?', 'Which platform is the 9:15 to Coimbra on?'),
    "book_ferry": ('How long is the ferry ride from Dover to Calais?', 'Cancel my ferry booking for tomorrow.', 'Book a flight from Lisbon to Porto on 2027-03-02.'),
    "fibonacci_number": ('Is 21 a prime number?', 'What is 12 factorial?', 'What is the sum of the first 10 odd numbers?'),
    "search_podcasts": ('Play the latest episode of my favourite podcast.', 'Subscribe me to a podcast about sourdough.', 'How do I start my own podcast?'),
    "post_note": ('Delete the note titled Lunch.', 'What did Omar post in the ops channel yesterday?', 'Rename the design channel to product.'),
    "daily_water_intake": ('How many calories are in a banana?', 'How many steps should I walk per day?', 'What is a healthy weight for 1.75 m?'),
    "define_word": ('Translate saudade into English.', 'How do you pronounce gezellig?', 'Give me a synonym for ephemeral.'),
    "median_of": ('What is the mean of 3, 5 and 10?', 'What is the largest of 4, 19 and 7?', 'Sort 8, 2, 5 from smallest to largest.'),
}
NO_CALL_SHARE = 0.3  # the relevance floor (runtime.tool_relevance) takes unrelated functions off the model
# The everyday functions are listed by domain (geometry, maths, physics, money, travel...): the functions
# within this many places of one are its hard negatives, on its topic but unable to answer its questions.
NEIGHBOURS = 3


def _mentioned(question: str, fn: Function) -> list[str]:
    return [p.name for p in fn.params if "{" + p.name + "}" in question]


def _render(value: Any) -> str:
    if isinstance(value, Said):
        return value.text
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return str(value).lower() if isinstance(value, bool) else str(value)


def _plain(value: Any) -> Any:
    return value.value if isinstance(value, Said) else value


def _compact(value: dict[str, Any]) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def tool_messages(tools: list[dict[str, Any]], question: str) -> list[dict[str, str]]:
    """The chat `kith eval tools` and `kith serve` decode from: the compact tool list, then the question."""
    return [{"role": "system", "content": tool_prompt(tools, "auto", compact=True)},
            {"role": "user", "content": question}]


def generic_examples(rng: random.Random, count: int) -> list[tuple[list[dict[str, str]], str, str]]:
    """(messages, target, kind) for the everyday functions (`GENERIC` + `training.tool_functions.BANK`);
    `NO_CALL_SHARE` are "no call": half of those a near miss where the function has some, the rest mostly hard
    negatives (its neighbours in the list), else other functions' tools."""
    from training.tool_functions import BANK, NEAR_MISSES as BANK_NEAR_MISSES

    everyday = GENERIC + BANK
    near = {**NEAR_MISSES, **BANK_NEAR_MISSES}
    out = []
    for _ in range(count):
        fn = rng.choice(everyday)
        question = rng.choice(fn.questions)
        values = {p.name: p.value(rng) for p in fn.params}
        text = question.format(**{k: _render(v) for k, v in values.items()})
        others = [f for f in everyday if f is not fn]
        if rng.random() < NO_CALL_SHARE:
            near_misses = near.get(fn.name, ())
            if near_misses and rng.random() < 0.5:  # the right topic, but not what the function does
                tools = [fn.tool()] + [f.tool() for f in rng.sample(others, rng.randint(0, 1))]
                rng.shuffle(tools)
                out.append((tool_messages(tools, rng.choice(near_misses)), _compact(NO_CALL), "no_call"))
            elif rng.random() < 0.6:  # hard negatives: functions of the same domain that cannot answer it
                index = everyday.index(fn)
                nearby = [f for f in everyday[max(0, index - NEIGHBOURS): index + NEIGHBOURS + 1] if f is not fn]
                tools = [f.tool() for f in rng.sample(nearby, min(len(nearby), rng.randint(1, 3)))]
                out.append((tool_messages(tools, text), _compact(NO_CALL), "no_call"))
            else:
                tools = [f.tool() for f in rng.sample(others, rng.randint(1, 3))]
                out.append((tool_messages(tools, text), _compact(NO_CALL), "no_call"))
            continue
        tools = [f.tool() for f in rng.sample(others, rng.randint(0, 2))] + [fn.tool()]
        rng.shuffle(tools)
        arguments = {name: _plain(values[name]) for name in [p.name for p in fn.params]
                     if name in _mentioned(question, fn)}
        out.append((tool_messages(tools, text), _compact({"name": fn.name, "arguments": arguments}), "call"))
    return out


def intent_tool(spec: Any) -> dict[str, Any]:
    """An installed intent as a tool (its JSON Schema, the kith-only keys left in: the grammar ignores them)."""
    schema = spec.input_schema or {"type": "object", "properties": {}}
    return {"name": spec.name, "description": getattr(spec, "description", "") or spec.title or spec.name,
            "parameters": schema}


def intent_examples(registry: Any, planner_examples: list[Any], rng: random.Random,
                    out_of_scope: list[str]) -> list[tuple[list[dict[str, str]], str, str]]:
    """The planner's intent examples in tool-call form, each also once without its intent among the tools."""
    specs = {s.name: s for s in registry.list()} if registry is not None else {}
    generic = [f.tool() for f in GENERIC]
    out = []
    for example in planner_examples:
        if example.kind != "intent":
            continue
        plan = json.loads(example.target)
        spec = specs.get(plan["action"])
        if spec is None:
            continue
        others = [intent_tool(s) for n, s in specs.items() if n != spec.name] + generic
        tools = rng.sample(others, 2) + [intent_tool(spec)]
        rng.shuffle(tools)
        out.append((tool_messages(tools, example.question),
                    _compact({"name": spec.name, "arguments": plan["arguments"]}), "call"))
        out.append((tool_messages(rng.sample(others, 2), example.question), _compact(NO_CALL), "no_call"))
    for question in out_of_scope:
        tools = rng.sample([intent_tool(s) for s in specs.values()] + generic, 2)
        out.append((tool_messages(tools, question), _compact(NO_CALL), "no_call"))
    return out
