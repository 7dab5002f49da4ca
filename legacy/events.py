"""Dated events mentioned in a report's text, proposed as chronicle entries.

"10月27日—10月29日 为迎接…考核,我馆深入基层…" becomes a proposal dated 27–29 October
of the report's year, with the sentence it comes from, for an editor to review.
"""

import datetime
import re
from dataclasses import dataclass

DATE_RANGE_RE = re.compile(
    r"(?:(?P<year>(?:19|20)\d{2})年)?(?P<month>\d{1,2})月(?P<day>\d{1,2})日"
    r"(?:\s*(?:—|–|-|~|～|至|到)+\s*(?:(?P<end_year>(?:19|20)\d{2})年)?(?:(?P<end_month>\d{1,2})月)?(?P<end_day>\d{1,2})日)?"
)
SENTENCE_END = re.compile(r"(?<=[。！!？?；;])")


@dataclass(frozen=True)
class EventProposal:
    start: datetime.date
    end: datetime.date | None
    date_text: str
    sentence: str


def _date(year, month, day):
    try:
        return datetime.date(int(year), int(month), int(day))
    except ValueError:
        return None


def find_events(text: str, year: int) -> list[EventProposal]:
    """Each sentence of `text` that names a day (in `year` unless it says otherwise), once."""
    proposals: list[EventProposal] = []
    seen = set()
    for sentence in SENTENCE_END.split(text):
        sentence = sentence.strip()
        # Drop an item number the sentence may start with ("8.8月6日…").
        sentence = re.sub(r"^\d{1,2}\s*[.．、](?=\d{1,2}月)", "", sentence).strip()
        match = DATE_RANGE_RE.search(sentence)
        if not match:
            continue
        start_year = match.group("year") or year
        start = _date(start_year, match.group("month"), match.group("day"))
        if start is None:
            continue
        end = None
        if match.group("end_day"):
            end = _date(
                match.group("end_year") or start_year,
                match.group("end_month") or match.group("month"),
                match.group("end_day"),
            )
            if end is not None and end <= start:
                end = None
        key = (start, sentence)
        if key in seen:
            continue
        seen.add(key)
        proposals.append(EventProposal(start=start, end=end, date_text=match.group(0).strip(), sentence=sentence))
    return proposals
