from llmtutor.launch import main

main()
