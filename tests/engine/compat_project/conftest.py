"""The course-compatibility toy assignments are data: their hidden tests run through the grader only."""

collect_ignore = ["rubrics"]
