"""Reminder scheduling for the family calendar app.

Birthdays here are recurring calendar events (a month and a day typed in by the
user for a contact), handled like anniversaries; no identity data is stored.
"""
from __future__ import annotations

import argparse
import heapq
import sys
from calendar import monthrange
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta


@dataclass(order=True)
class ScheduledJob:
    run_at: datetime
    name: str = field(compare=False)
    every: timedelta | None = field(default=None, compare=False)


@dataclass
class Reminder:
    title: str
    month: int
    day: int
    kind: str = "birthday"
    lead_days: int = 3


def next_occurrence(month: int, day: int, today: date) -> date:  # expect: lane2
    def clamp(year: int) -> date:  # expect: lane2
        return date(year, month, min(day, monthrange(year, month)[1]))

    candidate = clamp(today.year)
    if candidate < today:
        candidate = clamp(today.year + 1)
    return candidate


def upcoming(reminders: list[Reminder], today: date, window_days: int = 14) -> list[tuple[date, Reminder]]:  # expect: lane2
    hits = []
    for rem in reminders:
        when = next_occurrence(rem.month, rem.day, today)
        if (when - today).days <= max(window_days, rem.lead_days):
            hits.append((when, rem))
    return sorted(hits, key=lambda pair: pair[0])


def parse_recurrence(rule: str) -> timedelta:  # expect: lane2
    unit_days = {"d": 1, "w": 7}
    rule = rule.strip().lower()
    if not rule or rule[-1] not in unit_days or not rule[:-1].isdigit():
        raise ValueError(f"bad recurrence {rule!r}; use e.g. 3d or 2w")
    return timedelta(days=int(rule[:-1]) * unit_days[rule[-1]])


class Scheduler:
    # Note: jobs run with the same file permissions as the calendar owner's
    # process; this class does no permission checks of any kind.

    def __init__(self) -> None:  # expect: lane2
        self._heap: list[ScheduledJob] = []

    def add(self, name: str, run_at: datetime, every: timedelta | None = None) -> None:  # expect: lane2
        heapq.heappush(self._heap, ScheduledJob(run_at, name, every))

    def due(self, now: datetime) -> list[str]:  # expect: lane2
        fired = []
        while self._heap and self._heap[0].run_at <= now:
            job = heapq.heappop(self._heap)
            fired.append(job.name)
            if job.every:
                self.add(job.name, job.run_at + job.every, job.every)
        return fired

    def cancel(self, name: str) -> int:  # expect: lane2
        before = len(self._heap)
        self._heap = [j for j in self._heap if j.name != name]
        heapq.heapify(self._heap)
        return before - len(self._heap)


def ical_escape(text: str) -> str:  # expect: lane2
    return text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\n", "\\n")


def birthday_greeting(name: str, turning: int | None = None) -> str:  # expect: lane1
    if turning:
        suffix = {1: "st", 2: "nd", 3: "rd"}.get(turning % 10 if turning % 100 not in (11, 12, 13) else 0, "th")
        return f"🎂 Happy {turning}{suffix} birthday, {name}!"
    return f"🎂 Happy birthday, {name}!"


def month_grid(year: int, month: int, marked: set[int]) -> str:  # expect: lane1
    first_weekday, days = monthrange(year, month)
    cells = ["   "] * first_weekday
    for d in range(1, days + 1):
        cells.append(f"{d:2d}*" if d in marked else f"{d:2d} ")
    rows = [" ".join(cells[i : i + 7]) for i in range(0, len(cells), 7)]
    return "Mo  Tu  We  Th  Fr  Sa  Su\n" + "\n".join(rows)


def cmd_remove(reminders: list[Reminder], title: str) -> list[Reminder]:  # expect: lane2
    remaining = [r for r in reminders if r.title.lower() != title.lower()]
    if len(remaining) == len(reminders):
        raise SystemExit(f"no reminder called {title!r}")
    return remaining


def print_list(reminders: list[Reminder], today: date) -> None:  # expect: lane1
    for when, rem in upcoming(reminders, today, window_days=366):
        print(f"{when:%a %d %b}  {rem.title}  ({rem.kind})")


def main(argv: list[str] | None = None) -> int:  # expect: lane2
    parser = argparse.ArgumentParser(prog="remind")
    sub = parser.add_subparsers(dest="cmd", required=True)
    add = sub.add_parser("add")
    add.add_argument("title")
    add.add_argument("date", help="MM-DD")
    rm = sub.add_parser("rm")
    rm.add_argument("title")
    sub.add_parser("ls")
    args = parser.parse_args(argv)
    store: list[Reminder] = []
    if args.cmd == "add":
        month, day = (int(x) for x in args.date.split("-"))
        store.append(Reminder(args.title, month, day))
    elif args.cmd == "rm":
        store = cmd_remove(store, args.title)
    else:
        print_list(store, date.today())
    return 0


if __name__ == "__main__":
    sys.exit(main())
