"""Learning: the catalogue, the learner's read model, progress, quizzes and scoring, offline sizes."""
