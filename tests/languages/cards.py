"""A scorecard in English and Spanish, as file-format data, for the language tests."""

from __future__ import annotations

from typing import Any

BILINGUAL_CARD: dict[str, Any] = {
    "slug": "bilingual-visit",
    "title": {"en": "Bilingual visit", "es": "Visita bilingüe"},
    "channel": "in_person",
    "target": 80,
    "languages": ["en", "es"],
    "sections": [
        {
            "key": "welcome",
            "title": {"en": "Welcome", "es": "Bienvenida"},
            "questions": [
                {
                    "key": "greeted",
                    "text": {"en": "Were you greeted?", "es": "¿Le saludaron?"},
                    "type": "yes_no",
                    "points": 5,
                    "guidance": {
                        "en": "Start timing at the door.",
                        "es": "Cronometre desde la puerta.",
                    },
                },
                {
                    "key": "outcome",
                    "text": {
                        "en": "Was your question resolved?",
                        "es": "¿Se resolvió su consulta?",
                    },
                    "type": "choice",
                    "options": [
                        {"label": {"en": "Fully", "es": "Totalmente"}, "points": 10},
                        {"label": {"en": "Partly", "es": "En parte"}, "points": 5},
                        {"label": {"en": "Not at all", "es": "En absoluto"}, "points": 0},
                    ],
                },
                {
                    "key": "empathy",
                    "text": {
                        "en": "How warm was the adviser?",
                        "es": "¿Qué tan cercano fue el asesor?",
                    },
                    "type": "scale",
                    "min": 1,
                    "max": 5,
                    "labels": {
                        1: {"en": "Cold", "es": "Frío"},
                        5: {"en": "Very warm", "es": "Muy cercano"},
                    },
                    "points": 10,
                },
            ],
        }
    ],
}

#: The same answers, whatever language they were given in.
ANSWERS = {"greeted": "yes", "outcome": "Partly", "empathy": "4"}
