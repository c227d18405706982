from llmcourse.cli import main

main()
