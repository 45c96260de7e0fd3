"""What the tests and the benchmarks share, so that neither imports the other.

- ``emulator``: a small HTTP Bot API on 127.0.0.1 that plays Telegram (and its faults);
- ``process``: the one way to run the real ``python bot.py`` against it, and ``free_port``;
- ``store``: where a run keeps its data (an SQLite file or a PostgreSQL schema), seeded
  with RMs, customers and reminders through the bot's own storage layer;
- ``postgres``: PostgreSQL schemas of their own, and running a coroutine from sync code.

Nothing here is imported by the bot itself.
"""
