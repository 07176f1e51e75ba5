"""llmtutor: a terminal tutor that teaches how language models learn."""
