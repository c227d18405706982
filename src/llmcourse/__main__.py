from llmcourse.start import main

main()
