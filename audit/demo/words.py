"""What demo shoppers write: names, comments, summaries, survey remarks, failure notes."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

# --------------------------------------------------------------------------- words

SCENARIOS: dict[str, Sequence[str]] = {
    "branch-visit": (
        "Asked about saving a £6,000 bonus towards a house deposit in about two years",
        "Asked how to transfer a cash ISA from another bank",
        "Asked how much we could borrow for a first home on two salaries",
        "Asked about opening a children's savings account for my nephew",
        "Asked about switching my fixed-rate mortgage, which ends in four months",
        "Asked about the regular saver advertised in the window",
        "Asked how to add my partner to my easy-access savings account",
    ),
    "phone-enquiry": (
        "Called to ask the rate and notice period on the 90-day saver",
        "Called to ask how to add a second person to my savings account",
        "Called to ask whether I could overpay my mortgage without a charge",
        "Called to book a mortgage appointment for a Saturday morning",
        "Called to ask what ID I need to open an account for my daughter",
    ),
    "complaint-handling": (
        "Complained that a promised call-back about my mortgage switch never came",
        "Complained about a £25 charge on my account that nobody had told me about",
        "Complained that my change of address was not made after two requests",
        "Complained that my replacement card was sent to my old address",
        "Complained that my ISA transfer had taken five weeks",
    ),
}

#: Who served, when no badge gave a name: short, as a shopper jots it down (and under the
#: 40 characters the duplicate check compares: two people may look alike).
STAFF_DESCRIPTIONS = (
    "Tall man with glasses, mortgage desk",
    "Young woman, blue lanyard, first till",
    "Older man in a grey suit; the manager?",
    "Woman with short red hair, enquiries",
    "Bearded man in a navy jumper, till two",
    "Adviser with a dark ponytail",
)

PHONE_VOICES = (
    "Did not give a name; young-sounding man",
    "Did not give a name; woman with a soft Scottish accent",
    "Did not give a name; older-sounding man, spoke quickly",
    "Did not give a name; woman who said she was 'one of the advisers'",
)

EXCLUSION_REASONS = (
    "Shopper recognised by staff",
    "Visit made outside the assigned window",
    "Fire alarm evacuation during the visit",
    "Shopper had visited the same branch the week before",
    "Branch short-staffed after a reported security incident; agreed with the area manager",
)

RETURN_REASONS = (
    "Please add the adviser's name or a short description: the summary mentions two people.",
    "Please say which offer poster you saw and where it was displayed in the branch.",
    "The wait time and the times in your notes don't agree; please check and confirm.",
)

#: What went wrong, for answers below full points. A list for any shortfall; a dict keyed by
#: "good" (one step below the top of a scale), "poor" (lower), or a choice option's label.
FAILURE_COMMENTS: dict[tuple[str, str], Sequence[str] | Mapping[str, Sequence[str]]] = {
    ("branch-visit", "greeted_promptly"): (
        "Nobody looked up for about two minutes; both advisers were on the phone.",
        "Stood inside the door for over a minute while two staff chatted behind the counter.",
        "Not acknowledged until I reached the front of the queue.",
        "The adviser at the desk was on a call and made no eye contact.",
    ),
    ("branch-visit", "friendly_greeting"): (
        "Opened with 'Next' and no smile.",
        "Greeted with 'Yes?' without looking up from the screen.",
        "No hello; the adviser started with 'Account number?'.",
    ),
    ("branch-visit", "name_badge"): (
        "No badge visible; the lanyard was turned round.",
        "Badge hidden under a cardigan; could not read the name.",
        "Not wearing a badge.",
    ),
    ("branch-visit", "branch_tidy"): (
        "Leaflet rack half empty and a poster for an offer that had already ended.",
        "Stacked delivery boxes next to the seating area.",
        "Bin overflowing by the cash machine; a coffee cup left on the counter.",
        "Broken blind in the window and an out-of-date rate board.",
    ),
    ("branch-visit", "wait_minutes"): {
        "busy": (
            "Waited {minutes} minutes; only one adviser on the counter at lunchtime.",
            "Waited {minutes} minutes; queue of six and two windows closed on a busy {day}.",
            "Waited {minutes} minutes; staff on lunch breaks at the same time.",
        ),
        "quiet": (
            "Waited {minutes} minutes; one adviser was dealing with a long cash transaction "
            "and nobody else came through.",
            "Waited {minutes} minutes; three staff visible but only one serving.",
            "Waited {minutes} minutes although the branch was quiet; the adviser was on a "
            "personal call.",
        ),
    },
    ("branch-visit", "wait_acknowledged"): (
        "Nobody acknowledged the queue in {minutes} minutes.",
        "No apology or thanks for waiting when I was called forward.",
    ),
    ("branch-visit", "open_questions"): (
        "Went straight to the ISA leaflet without asking what I was saving for.",
        "Only closed questions: 'Do you bank with us?', 'Is it for you?'.",
    ),
    ("branch-visit", "listened_fully"): (
        "Cut in after my first sentence to say 'you'll want the fixed rate'.",
        "Talked over me twice while I explained my deadline.",
    ),
    ("branch-visit", "checked_understanding"): (
        "Didn't recap my need, then suggested an account for a different purpose.",
        "No summary before moving on to rates.",
        "Never checked what I'd said; assumed I wanted instant access.",
    ),
    ("branch-visit", "empathy"): {
        "good": (
            "Picked up on my house move but didn't mention it again.",
            "Friendly and sympathetic, but never came back to my deadline.",
        ),
        "poor": (
            "Didn't react when I said I was worried about the deadline.",
            "Polite but distant; my situation was never mentioned.",
            "Seemed in a hurry; said 'everyone's in the same boat'.",
        ),
    },
    ("branch-visit", "product_knowledge"): {
        "good": (
            "Checked the withdrawal rules with a colleague; otherwise answered everything.",
            "Had to look up the notice period on the system; correct when found.",
        ),
        "poor": (
            "Said the bonus rate lasts two years; the leaflet says 12 months.",
            "Unsure whether an existing ISA could be transferred; guessed 'probably'.",
            "Could not say what the early repayment charge would be.",
        ),
    },
    ("branch-visit", "clear_language"): (
        "Used 'LTV' and 'ERC' without explaining them.",
        "Talked about 'AER versus gross' without saying what either meant.",
    ),
    ("branch-visit", "personal_recommendation"): (
        "Handed me the savings leaflet and said 'it's all in there'.",
        "Recommended the account they 'recommend to everyone', not linked to my plans.",
        "No recommendation at all; told me to look on the website.",
        "Suggested the easy-access saver though I'd said I wouldn't touch the money for years.",
    ),
    ("branch-visit", "offer_honoured"): (
        "Window poster advertises 5.10% fixed; the adviser said that rate 'finished last week'.",
        "The adviser added a £10,000 minimum deposit that is not on the poster.",
        "Did not know about the cashback offer on the counter card; said it was online only.",
    ),
    ("branch-visit", "outcome"): {
        "Partly": (
            "Got the rates but was told to come back for an appointment to get a quote.",
            "Answered the ISA question but not the transfer one.",
        ),
        "Not at all": (
            "Left with no quote and no appointment; told to 'try the website'.",
            "Told the mortgage adviser was busy and to come back another day; nothing booked.",
        ),
    },
    ("branch-visit", "next_steps_agreed"): (
        "Said 'someone will be in touch' with no date.",
        "No next step offered; I had to ask how to book.",
    ),
    ("branch-visit", "anything_else"): (
        "Ended with 'right then' and turned to the next customer.",
        "Not asked if there was anything else.",
    ),
    ("branch-visit", "written_information"): (
        "Asked for the rates in writing; told the printer was broken.",
        "No leaflet or card offered; rates only given verbally.",
    ),
    ("branch-visit", "thanked"): (
        "No thanks; the adviser turned to the screen as I stood up.",
        "Mumbled 'cheers' while calling the next customer.",
    ),
    ("branch-visit", "farewell"): (
        "No goodbye; the adviser was already calling the next person.",
        "No eye contact at the end, just 'bye'.",
        "Said goodbye but no use of my name and no invitation to come back.",
    ),
    ("phone-enquiry", "rings_to_answer"): (
        "Answered after {rings} rings.",
        "{rings} rings before the menu picked up.",
    ),
    ("phone-enquiry", "seconds_to_person"): (
        "{seconds} seconds in the menu and queue before a person answered.",
        "Five-option menu; reached a person after {seconds} seconds.",
    ),
    ("phone-enquiry", "identified"): (
        "Answered 'Hello, building society' with no name.",
        "Gave the branch name but not their own.",
    ),
    ("phone-enquiry", "offered_help"): ("Just said 'Hello?'.", "Answered with 'Yep?'."),
    ("phone-enquiry", "tone"): {
        "good": ("Polite but sounded rushed towards the end.",),
        "poor": (
            "Flat and impatient; sighed when I asked them to repeat the rate.",
            "Background chatter and sounded distracted throughout.",
        ),
    },
    ("phone-enquiry", "listened"): (
        "Interrupted before I'd finished explaining the joint account question.",
    ),
    ("phone-enquiry", "clarifying_questions"): (
        "Went straight to a standard answer without asking about my situation.",
    ),
    ("phone-enquiry", "used_name"): ("Took my name at the start but never used it.",),
    ("phone-enquiry", "information_accurate"): (
        "Told me the notice period is 30 days; it is 90 days for this account.",
        "Quoted last month's rate of 4.25%; the current rate is 4.05%.",
        "Said I could withdraw without penalty; the account has a 90-day loss of interest.",
    ),
    ("phone-enquiry", "clear_explanation"): ("Used 'AER' and 'tiered rate' without explaining.",),
    ("phone-enquiry", "checked_understanding"): ("Never checked the answer made sense to me.",),
    ("phone-enquiry", "asked_before_hold"): ("Put on hold mid-sentence without a word.",),
    ("phone-enquiry", "hold_seconds"): (
        "On hold for {hold} seconds with no update.",
        "Two holds, {hold} seconds in total; music very loud.",
    ),
    ("phone-enquiry", "thanked_for_holding"): ("Came back with 'right' and no thanks.",),
    ("phone-enquiry", "callback_time_agreed"): ("Promised a call back 'later', no time given.",),
    ("phone-enquiry", "callback_number_confirmed"): (
        "Didn't confirm my number; assumed the one on screen.",
    ),
    ("phone-enquiry", "callback_kept"): (
        "Call-back promised for the next morning never came.",
        "Called back two days later than agreed.",
    ),
    ("phone-enquiry", "recap"): ("Call ended without a summary of what was agreed.",),
    ("phone-enquiry", "anything_else"): ("Not asked if there was anything else.",),
    ("phone-enquiry", "thanked_for_calling"): ("Ended the call abruptly with 'OK, bye'.",),
    ("complaint-handling", "acknowledged_promptly"): (
        "The adviser finished typing an email before looking up.",
        "Told 'one sec' and waited while she sorted paperwork.",
    ),
    ("complaint-handling", "quiet_place_offered"): (
        "Discussed my account details at the open counter with a queue behind me.",
    ),
    ("complaint-handling", "stayed_calm"): {
        "good": ("Calm throughout, though a little guarded at first.",),
        "poor": (
            "Became defensive when I mentioned the missed call-back.",
            "Sighed and folded arms while I explained.",
        ),
    },
    ("complaint-handling", "no_interruptions"): (
        "Interrupted twice to say it was 'a head office thing'.",
    ),
    ("complaint-handling", "clarifying_questions"): (
        "Didn't ask for the reference number or dates before answering.",
    ),
    ("complaint-handling", "acknowledged_feelings"): {
        "good": ("Said 'I can see why that's frustrating' but didn't pick up on my deadline.",),
        "poor": (
            "Brushed off the impact: 'these things happen'.",
            "No acknowledgement of what the missed payment meant for me.",
        ),
    },
    ("complaint-handling", "apology"): {
        "Brief or scripted apology": ("Scripted 'sorry for any inconvenience'.",),
        "No apology": ("No apology at any point.",),
    },
    ("complaint-handling", "took_ownership"): (
        "Blamed head office: 'It's their system, there's nothing I can do.'",
        "Told me to phone the complaints line myself.",
        "Said the mistake was mine for not checking the statement.",
    ),
    ("complaint-handling", "honest_explanation"): ("Gave no explanation, just 'it happens'.",),
    ("complaint-handling", "complaint_recorded"): (
        "Nothing written down and no reference given.",
        "Made a note on paper but gave no reference.",
    ),
    ("complaint-handling", "solution_offered"): {
        "Clear solution agreed, to be completed later": (
            "Refund agreed but it needs head office sign-off, so not done on the spot.",
            "Correction agreed; the adviser will put it through tomorrow.",
        ),
        "Options offered but nothing agreed": (
            "Offered to raise it or for me to write in; nothing agreed.",
        ),
        "Sympathy only, no solution": ("Sympathised but offered no way to put it right.",),
    },
    ("complaint-handling", "follow_up_date"): ("Said 'we'll be in touch soon' with no date.",),
    ("complaint-handling", "escalation_explained"): (
        "Had to ask what happens if I'm not happy; then told about the complaints team.",
        "No mention of the complaints procedure or the ombudsman.",
    ),
    ("complaint-handling", "complaints_policy_given"): (
        "No leaflet or link to the complaints procedure offered.",
    ),
    ("complaint-handling", "checked_satisfied"): ("Didn't check I was happy with the outcome.",),
    ("complaint-handling", "thanked_for_feedback"): ("No thanks for raising the complaint.",),
    ("complaint-handling", "follow_up_kept"): (
        "The call promised by Friday never came; I chased on Monday.",
        "The refund arrived four days after the agreed date.",
    ),
}

#: What went well, for the written summaries.
GOOD_NEWS: dict[tuple[str, str], str] = {
    ("branch-visit", "greeted_promptly"): "Acknowledged with a smile as soon as I came in.",
    ("branch-visit", "listened_fully"): "Let me explain everything before answering.",
    (
        "branch-visit",
        "empathy",
    ): "Picked up on my deadline straight away and kept coming back to it.",
    ("branch-visit", "product_knowledge"): "Knew the rules and rates without having to check.",
    ("branch-visit", "personal_recommendation"): (
        "Recommended the one-year fixed saver because I'd said I need the money next year."
    ),
    ("branch-visit", "offer_honoured"): "Confirmed the window offer exactly as advertised.",
    ("branch-visit", "farewell"): "Used my name when saying goodbye and invited me back.",
    ("phone-enquiry", "identified"): "Answered with the branch name and {name}'s own name.",
    ("phone-enquiry", "information_accurate"): "Everything I was told matched the brief.",
    ("phone-enquiry", "recap"): "Summed up the answer and next step before ending the call.",
    ("phone-enquiry", "tone"): "Warm, unhurried tone throughout.",
    ("complaint-handling", "took_ownership"): "Said 'I'll take care of this for you' and did.",
    ("complaint-handling", "apology"): "Apologised specifically for what had gone wrong.",
    ("complaint-handling", "acknowledged_feelings"): "Recognised how stressful it had been.",
    ("complaint-handling", "escalation_explained"): "Explained the complaints procedure unasked.",
}

SURVEY_COMMENTS: dict[str, Sequence[str]] = {
    "happy": (
        "{name} was brilliant and sorted everything in one go.",
        "Friendly and quick, thank you.",
        "Really helpful with my ISA transfer.",
        "Always a pleasure coming in here.",
        "Thank you {name} for your patience with my mum.",
    ),
    "fine": (
        "Good service, bit of a queue though.",
        "Helpful, but I had to come back with my passport.",
        "Fine, but nobody told me about the new rates.",
    ),
    "unhappy": (
        "Waited far too long, only one person serving at lunchtime.",
        "Nobody seemed to know the answer about the fixed rate.",
        "Felt rushed.",
        "Told the rate in the window had ended but the poster is still up.",
        "Had to explain everything twice.",
    ),
}

CUSTOMER_NAMES = (
    "Margaret Cole",
    "Dev Mistry",
    "Hannah Price",
    "Peter O'Neill",
    "Sarah Lloyd",
    "Imran Aziz",
    "Joan Fisher",
    "Tomasz Wiśniewski",
)
