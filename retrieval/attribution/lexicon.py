"""Words of attribution: reporting verbs (cues), the small words that may stand between a
source and its cue, and the words that end a source noun phrase.

The cue verbs are the forms that mark an attribution in at least half of their uses in the
PolNeAR training split (counted there, not chosen by reading dev), plus their other
inflections; verbs such as "called" or "showed" that are attributions only sometimes are left
out unless a clause ("that …") or a quotation follows them (`CLAUSE_CUES`).
"""

from __future__ import annotations

import re

from retrieval.attribution.learned import LEARNED_CUES


def forms(stems: str) -> frozenset[str]:
    return frozenset(stems.split())


# reporting verbs: an attribution with or without "that" after them
CUES = forms(
    """said says say saying told tells telling tell added adds adding wrote writes writing
    asked asks noted notes noting announced announces argued argues arguing argue tweeted tweets
    explained explains explaining acknowledged acknowledges acknowledging claimed claims claiming
    warned warns warning insisted insists insisting stated states reported reports reporting
    recalled recalls vowed vows promised promises urged urges replied replies responded responds
    conceded concedes admitted admits predicted predicts contended contends maintained maintains
    stressed stresses emphasized emphasizes observed observes remarked remarks complained
    complains confirmed confirms denied denies alleged alleges testified testifies declared
    declares suggested suggests suggesting charged charges countered counters mused joked jokes
    quipped shouted wondered wonders boasted boasts lamented laments conceded announcing
    predicting estimated estimates reiterated reiterates pledged pledges cautioned cautions
    told announced hinted hints revealed reveals disclosed discloses asserted asserts
    believes believe believed thinks thought feels felt hopes hoped fears feared expects
    expected agreed agrees concluded concludes found finds showed shows indicated indicates
    accused accuses criticized criticizes praised praises blasted blasts slammed slams
    questioned questions proclaimed insist warn claim argue note admit"""
)
# cues that need a "that" clause or a quotation right after them to be an attribution
CLAUSE_CUES = forms(
    """believes believe believed thinks thought feels felt hopes hoped fears feared expects
    expected agreed agrees concluded concludes found finds showed shows indicated indicates
    knows knew know learned understands recognized recognizes argue insist warn claim note admit
    accused accuses criticized criticizes praised praises blasted blasts slammed slams
    questioned questions"""
) - forms(  # on PolNeAR train these take a noun phrase as content as often: "accused X of …"
    "accused accuses praised praises showed shows blasted blasts slammed slams questioned"
)
# verbs whose object (the person told) stands between the cue and the content
OBJECT_CUES = forms("told tells telling tell asked asks warned warns urged urges assured reminded")
# between a source and its cue: "Trump has repeatedly said"
BETWEEN = forms(
    """has have had was is are were also later previously repeatedly then often once recently
    publicly still would will did does never again already reportedly frequently privately
    further even quickly just had has long flatly simply"""
)
# a source noun phrase never reaches past these words
NP_STOP = forms(
    """that which and but because when while as if since where so although though after before
    or nor than whether what how why is are was were has have had will would can could may might
    should must do does did be been being not to said says told added also who whom whose
    there here it's to"""
)
PRONOUNS = forms("he she they i we it you him her them")
PERSON_PRONOUNS = forms("he she him her i")
# a common noun that makes "the general" a person's title
TITLE_NOUNS = forms(
    """general minister secretary senator governor president mayor chairman chairwoman chief
    director spokesman spokeswoman spokesperson ambassador commander admiral judge official
    candidate nominee congressman congresswoman representative lawmaker leader prosecutor
    attorney officer adviser advisor manager coach professor councillor councilor councilman
    councilwoman alderman chair"""
)
# a capitalised run ending in one of these is an organisation, not a person
ORG_WORDS = forms(
    """Office Ministry Department House Times Post Journal Council Committee Agency News Party
    Campaign Commission Bureau Institute Association Union Court Senate Congress Administration
    Command Staff Service Services Network Press Group Board Foundation Center Centre Bank
    Fund Reuters Company Corporation Inc Ltd Government Police Army Navy Force Forces University
    Today Politico Breitbart Post CNN Tribune Herald Wire Guardian Gazette Organization"""
)
# adjuncts after a cue that stand before the content: "said on Monday that"
ADJUNCT_WORDS = forms(
    """on in at during after before last this next earlier late early Monday Tuesday Wednesday
    Thursday Friday Saturday Sunday morning afternoon evening night week month year today
    yesterday tonight statement interview a an the news conference briefing speech email
    rally Twitter Facebook post posted recently also again"""
)
# words that may stand for the person told: "told reporters", "told The Washington Post"
OBJECT_WORDS = forms(
    """reporters journalists him her them me us you a an the crowd audience supporters
    interviewer host radio television viewers voters lawmakers members congress committee"""
)
# an "-ing" cue that goes on with the same source: "…, adding that …"
CONTINUING = re.compile(
    r",\s+(?:adding|noting|saying|arguing|explaining|calling|citing|claiming|suggesting"
    r"|warning|insisting|stressing|telling|writing|asking)\b"
)
# nouns more often than verbs: "the United States", "any questions", "his remarks"
_NOUNS = forms("states questions remarks notes charges counters reads lists titled quick eager wary")
ALL_CUES = (CUES | LEARNED_CUES) - _NOUNS
