"""Editing a draft scorecard's plain data, one builder form at a time.

No requests and no database here: functions take the draft's plain data (the
same shape as a YAML file, possibly incomplete) and the values of a form, and
return new data. Nothing is changed in place, so a view can validate the
result with :func:`audit.scorecards.fileformat.definition_from_data` and throw it
away when the form has problems.

Form values are kept close to what a person typed: numbers stay text until
:func:`parse_number` reads them, and text that is not a number is passed on
unchanged, so the file validator checks it by the same rules as a YAML file.

Errors of the validator carry a path such as ``("sections", 0, "questions",
2, "options", 1, "points")``; :func:`question_problems` and friends map such
a path to the form field that holds the value (here the points box of the
options editor's row), and :func:`plain_message` says it in the form's words
("The points must be a number, not “ten”") rather than the file's.
"""

from audit.scorecards.builder.edits import (
    QuestionEdit,
    apply_question,
    apply_section,
    apply_settings,
    build_question,
    delete_question,
    delete_section,
    move_question,
    move_section,
    question_values,
    section_values,
    settings_data,
    settings_values,
)
from audit.scorecards.builder.fields import (
    COMMON_QUESTION_FIELDS,
    MAX_SUGGESTED_KEY,
    SECTION_FIELDS,
    SETTINGS_FIELDS,
    TYPE_FIELDS,
    TYPE_SPECIFIC_FIELDS,
    Data,
    Path,
    QuestionRef,
    earlier_questions,
    format_number,
    get_question,
    get_section,
    parse_number,
    question_keys,
    questions_of,
    questions_of_all,
    section_keys,
    sections_of,
    suggest_key,
    suggest_slug,
)
from audit.scorecards.builder.problems import (
    FormProblems,
    Problem,
    duplicate_key_problem,
    duplicate_section_key_problem,
    locate,
    question_problems,
    section_problems,
    settings_problems,
)
from audit.scorecards.builder.translations import (
    carry_translations,
    in_default_language,
    languages_of,
)
from audit.scorecards.builder.wording import plain_message

__all__ = [
    "COMMON_QUESTION_FIELDS",
    "Data",
    "FormProblems",
    "MAX_SUGGESTED_KEY",
    "Path",
    "Problem",
    "QuestionEdit",
    "QuestionRef",
    "SECTION_FIELDS",
    "SETTINGS_FIELDS",
    "TYPE_FIELDS",
    "TYPE_SPECIFIC_FIELDS",
    "apply_question",
    "apply_section",
    "apply_settings",
    "build_question",
    "carry_translations",
    "delete_question",
    "delete_section",
    "duplicate_key_problem",
    "duplicate_section_key_problem",
    "earlier_questions",
    "format_number",
    "get_question",
    "get_section",
    "in_default_language",
    "languages_of",
    "locate",
    "move_question",
    "move_section",
    "parse_number",
    "plain_message",
    "question_keys",
    "question_problems",
    "question_values",
    "questions_of",
    "questions_of_all",
    "section_keys",
    "section_problems",
    "section_values",
    "sections_of",
    "settings_data",
    "settings_problems",
    "settings_values",
    "suggest_key",
    "suggest_slug",
]
