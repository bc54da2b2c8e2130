"""Quiz pages: taking.py (cadres: a quiz, an attempt, its review), authoring.py (trainers:
quizzes, the bank, GIFT, results, grading) and question_editor.py (one question's form)."""
