from llmtutor.cli import main

main()
