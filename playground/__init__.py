"""The terminal playground: the whole bot on an in-process fake of the Bot API.

`python bot.py shell` runs it; the tests and the benchmarks drive the same fake API with real
`Update` objects. It sits beside the handlers and the scheduler, imports neither, and gets the
application from bot.py.
"""
