"""Function-calling examples for the planner adapter, in the format `kith serve` and `kith eval tools` decode.

The planner adapter is kith's function-calling adapter: besides the planner's own prompt
(`training.planner_data`), it learns the tool-call format of `runtime.tool_calls` (the compact function
list as the system prompt, then exactly one `{"name": ..., "arguments": {...}}` or the explicit no-call
`{"content": "I cannot do that"}`). Two sources, both synthesized here:

- the user's installed intents as tools, questions filled from their phrases (with `PlannerData`);
- `GENERIC`, a small set of everyday functions written for this module (kith's licence), whose
  parameter descriptions carry example values that differ from the question's, so that the adapter
  learns to copy values from the user's words rather than from the descriptions.

About a third of the examples are "no call": a question paired with tools that cannot answer it
(another function's tools, or an out-of-scope question from `agent.oos_pool`). No benchmark item is
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


GENERIC = (
    Function("calculate_triangle_area", "Calculate the area of a triangle given its base and height.",
             (Param("base", "integer", "The base of the triangle, e.g. 10.", _int(2, 90)),
              Param("height", "integer", "The height of the triangle, e.g. 5.", _int(2, 90)),
              Param("unit", "string", "The unit of length, e.g. 'cm'.", _pick(["m", "inches", "feet"]), False)),
             ("Find the area of a triangle with a base of {base} and a height of {height}.",
              "What is the area of a triangle whose base is {base} {unit} and height {height} {unit}?")),
    Function("get_weather", "Get the current weather for a city.",
             (Param("city", "string", "The city name, e.g. 'San Francisco, CA'.", _pick(CITIES)),
              Param("unit", "string", "Temperature unit.", _pick(["celsius", "fahrenheit"]), False,
                    ("celsius", "fahrenheit"))),
             ("What's the weather like in {city} right now?", "Tell me the temperature in {city} in {unit}.")),
    Function("convert_currency", "Convert an amount of money from one currency to another.",
             (Param("amount", "number", "The amount to convert, e.g. 100.", _money),
              Param("from_currency", "string", "ISO code of the source currency, e.g. 'USD'.",
                    _pick(["EUR", "GBP", "JPY", "CAD"])),
              Param("to_currency", "string", "ISO code of the target currency, e.g. 'EUR'.",
                    _pick(["USD", "CHF", "AUD", "BRL"]))),
             ("Convert {amount} {from_currency} to {to_currency}.",
              "How much is {amount} {from_currency} in {to_currency}?")),
    Function("compound_interest", "Compute the final amount of an investment with compound interest.",
             (Param("principal", "number", "The initial amount, e.g. 1000.", _money),
              Param("rate", "number", "The annual interest rate as a decimal, e.g. 0.05.",
                    _pick([0.02, 0.03, 0.04, 0.07, 0.08])),
              Param("years", "integer", "The number of years, e.g. 10.", _int(2, 40))),
             ("What will {principal} grow to at an annual rate of {rate} over {years} years?",
              "Calculate compound interest on {principal} dollars at rate {rate} for {years} years.")),
    Function("find_restaurants", "Find restaurants in a city, optionally by cuisine.",
             (Param("location", "string", "The city, e.g. 'Boston, MA'.", _pick(CITIES)),
              Param("cuisine", "string", "Type of food, e.g. 'Italian'.",
                    _pick(["Thai", "Mexican", "vegan", "sushi", "Ethiopian"]), False)),
             ("Find {cuisine} restaurants in {location}.", "Where can I eat in {location}?")),
    Function("get_stock_price", "Get the latest price of a stock by its ticker symbol.",
             (Param("ticker", "string", "The ticker, e.g. 'AAPL'.", _pick(["MSFT", "TSLA", "NVDA", "AMZN", "IBM"])),),
             ("What is the current price of {ticker} stock?", "Get me the latest share price for {ticker}.")),
    Function("book_flight", "Book a one-way flight between two cities on a date.",
             (Param("origin", "string", "Departure city, e.g. 'New York'.", _pick(CITIES)),
              Param("destination", "string", "Arrival city, e.g. 'Paris'.", _pick(CITIES)),
              Param("date", "string", "Date in YYYY-MM-DD format, e.g. '2023-01-01'.",
                    lambda r: f"2027-{r.randint(1, 12):02d}-{r.randint(1, 28):02d}")),
             ("Book a flight from {origin} to {destination} on {date}.",
              "I need a one-way ticket {origin} to {destination} for {date}.")),
    Function("factorial", "Compute the factorial of a non-negative integer.",
             (Param("n", "integer", "The number, e.g. 5.", _int(3, 20)),),
             ("What is the factorial of {n}?", "Compute {n}!")),
    Function("search_books", "Search a library catalogue for books by title words or author.",
             (Param("query", "string", "Words to search for, e.g. 'harry potter'.", _pick(WORDS)),
              Param("author", "string", "Author name, e.g. 'J.K. Rowling'.", _pick(NAMES), False),
              Param("limit", "integer", "Maximum number of results, e.g. 10.", _int(3, 25), False)),
             ("Find books about {query}.", "Show me {limit} books about {query} by {author}.")),
    Function("send_email", "Send an email to a recipient.",
             (Param("to", "string", "Recipient address, e.g. 'john@example.com'.",
                    lambda r: f"{r.choice(NAMES).split()[0].lower()}@{r.choice(['mail.org', 'work.io'])}"),
              Param("subject", "string", "Subject line.", _pick(["Lunch", "Invoice 42", "Trip plans", "Hello"])),
              Param("body", "string", "Message text.", _pick(["see you at noon", "the invoice is attached",
                                                                "tickets are booked"]))),
             ('Email {to} with the subject "{subject}" saying "{body}".',
              'Send a mail to {to}, subject {subject}, text: {body}')),
    Function("calculate_bmi", "Calculate the body mass index.",
             (Param("weight", "number", "Weight in kilograms, e.g. 70.", _int(45, 120)),
              Param("height", "number", "Height in meters, e.g. 1.75.", _pick([1.55, 1.62, 1.68, 1.8, 1.91]))),
             ("My weight is {weight} kg and I am {height} m tall. What is my BMI?",
              "Calculate the BMI for someone who weighs {weight} kg at {height} meters.")),
    Function("translate_text", "Translate text into another language.",
             (Param("text", "string", "The text to translate.", _pick(["good morning", "where is the station",
                                                                       "thank you very much"])),
              Param("target_language", "string", "Target language, e.g. 'Spanish'.",
                    _pick(["German", "Japanese", "Portuguese", "Swahili"]))),
             ('Translate "{text}" into {target_language}.', 'How do you say "{text}" in {target_language}?')),
    Function("sort_numbers", "Sort a list of numbers.",
             (Param("numbers", "array", "The numbers to sort.", lambda r: [r.randint(1, 99) for _ in range(r.randint(3, 6))], items="integer"),
              Param("descending", "boolean", "Sort from largest to smallest.", _pick([True, False]), False)),
             ("Sort these numbers: {numbers}.", "Sort {numbers} with descending set to {descending}.")),
)


def _mentioned(question: str, fn: Function) -> list[str]:
    return [p.name for p in fn.params if "{" + p.name + "}" in question]


def _render(value: Any) -> str:
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return str(value).lower() if isinstance(value, bool) else str(value)


def _compact(value: dict[str, Any]) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def tool_messages(tools: list[dict[str, Any]], question: str) -> list[dict[str, str]]:
    """The chat `kith eval tools` and `kith serve` decode from: the compact tool list, then the question."""
    return [{"role": "system", "content": tool_prompt(tools, "auto", compact=True)},
            {"role": "user", "content": question}]


def generic_examples(rng: random.Random, count: int) -> list[tuple[list[dict[str, str]], str, str]]:
    """(messages, target, kind) for the everyday functions; about a third are "no call"."""
    out = []
    for _ in range(count):
        fn = rng.choice(GENERIC)
        question = rng.choice(fn.questions)
        values = {p.name: p.value(rng) for p in fn.params}
        text = question.format(**{k: _render(v) for k, v in values.items()})
        others = [f for f in GENERIC if f is not fn]
        if rng.random() < 0.33:
            tools = [f.tool() for f in rng.sample(others, rng.randint(1, 3))]
            out.append((tool_messages(tools, text), _compact(NO_CALL), "no_call"))
            continue
        tools = [f.tool() for f in rng.sample(others, rng.randint(0, 2))] + [fn.tool()]
        rng.shuffle(tools)
        arguments = {name: values[name] for name in [p.name for p in fn.params] if name in _mentioned(question, fn)}
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
