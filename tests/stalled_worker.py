"""A workbook worker that never answers: tests/test_workbooks.py checks that the bot ends it."""

import time

if __name__ == "__main__":
    time.sleep(3600)
