"""A generic pool of out-of-scope requests, used to calibrate the intent router's threshold.

A developer who registers intents gives about ten phrases each and no out-of-scope examples, so
the router cannot learn from their data how high an unrelated request scores. These sentences
(trivia, chit-chat, arithmetic, definitions, and requests for services kith has no intent for)
stand in for "anything else a person might type"; `agent.calibration` scores them against the
registered phrases and sets the threshold so that a target share of them is rejected.

Licence: written by the kith developers for this project and distributed under the project's
licence (Apache-2.0). No sentence is copied from a dataset. The held-out out-of-scope questions
in evals/intents/fewshot_7x10.json are a separate, disjoint set (tests/test_routing_calibration.py
checks that), so the evaluation never sees the calibration pool.
"""
from __future__ import annotations

OOS_POOL: tuple[str, ...] = (
    # general knowledge
    "what is the capital of Australia", "who discovered penicillin", "when did the Roman empire fall",
    "how many continents are there", "what is the chemical symbol for gold", "who composed the four seasons",
    "how deep is the Pacific ocean", "what is the smallest country in the world", "which animal is the fastest",
    "how old is the universe", "what is the highest mountain in Africa", "who wrote Pride and Prejudice",
    "when was the printing press invented", "what is the currency of Japan", "how many moons does Jupiter have",
    "what causes earthquakes", "why is the sky blue", "how do bees make honey", "what is the main language of Egypt",
    "who built the pyramids", "what is the freezing point of mercury", "how long is the Great Wall of China",
    "what is the national animal of Scotland", "who was Napoleon", "what is the largest desert",
    "how does a rainbow form", "what are the primary colours", "which country has the most islands",
    "when is the next solar eclipse", "how many time zones does Russia have",
    # definitions and language
    "what does ubiquitous mean", "give me a synonym for happy", "what is the opposite of generous",
    "how do you spell necessary", "what rhymes with orange", "translate where is the library into German",
    "how do you say goodbye in Italian", "what is the past tense of swim", "define serendipity",
    "is it affect or effect", "what language is spoken in Belgium",
    # arithmetic and conversions
    "what is 45 divided by 9", "calculate 12 percent of 250", "what is 2 to the power of 10",
    "convert 30 celsius to fahrenheit", "how many grams in a kilo", "how many feet are in a mile",
    "what is the square root of 81", "add 345 and 678", "how many seconds in a day", "what is pi to five digits",
    # chit-chat
    "hello there", "good morning", "how are you today", "what's your name", "are you a robot",
    "tell me something interesting", "I'm bored", "sing me a song", "do you like pizza", "thank you very much",
    "you're very helpful", "what's your favourite colour", "tell me a riddle", "say something funny",
    "who made you", "can we be friends", "goodnight", "never mind", "that's all for now",
    # advice and how-to
    "how do I tie a tie", "how can I stop procrastinating", "what should I cook for dinner tonight",
    "how do I clean a cast iron pan", "give me tips for a job interview", "how do I meditate",
    "how often should I water a cactus", "how do I remove a wine stain", "how can I run faster",
    "what's a healthy breakfast", "how do I fix a squeaky door", "how do I start a vegetable garden",
    "how do I write a poem", "how much sleep does a teenager need", "how do I train my puppy",
    "what is a good stretching routine", "how do I negotiate a salary", "how do I make cold brew coffee",
    # the world, news, money, sport
    "what's the latest news", "who won the match last night", "what's the score of the game",
    "how is the stock market doing", "what's the price of bitcoin", "when do the olympics start",
    "what's the best selling car", "who is the richest person in the world", "what movies are showing tonight",
    "recommend a tv series", "what's a good podcast", "who is the best tennis player ever",
    "how do interest rates work", "what is a mortgage", "explain the electoral college",
    # requests for services with no intent here
    "book a table for two at an Italian restaurant", "find me a flight to Rome", "reserve a hotel room in Paris",
    "order a pizza", "buy a new phone case", "check my account balance", "pay the gas bill",
    "turn off the living room lights", "set the thermostat to 21 degrees", "lock the front door",
    "start the vacuum cleaner", "what's on my netflix list", "track my parcel", "renew my library books",
    "find a plumber near me", "how much is a train ticket to Manchester", "rent a car for the weekend",
    "cancel my subscription", "report a lost credit card", "open a savings account",
    # games and fun
    "let's play a game", "pick a random number between 1 and 100", "ask me a trivia question",
    "tell me a fun fact about octopuses", "what's the answer to the riddle", "play rock paper scissors",
    # health and body
    "what is a normal heart rate", "how much water should I drink a day", "what are the signs of dehydration",
    "is chocolate bad for dogs", "how many calories does running burn", "what vitamins are in spinach",
    # technology
    "how do I take a screenshot", "why is my laptop so slow", "what is machine learning",
    "how do I update my phone", "what is the cloud", "how do I clear my browser cache",
    "what's the best programming language", "how does wifi work",
)
