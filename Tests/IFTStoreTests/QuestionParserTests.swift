import Testing
@testable import IFTStore

@Suite struct QuestionParserTests {
    struct Case: Sendable, CustomTestStringConvertible {
        let name: String
        let reply: String
        var finishReason: String? = "stop"
        var expected: Int? = nil
        let questions: [String]
        var testDescription: String { name }
    }

    static let cases: [Case] = [
        Case(name: "plain JSON", reply: #"{"questions": ["What is photosynthesis?", "Where does it happen?", "Why do plants need light?"]}"#,
             questions: ["What is photosynthesis?", "Where does it happen?", "Why do plants need light?"]),
        Case(name: "pretty JSON", reply: "{\n  \"questions\": [\n    \"What is the boiling point of water?\",\n    \"At what pressure?\"\n  ]\n}",
             questions: ["What is the boiling point of water?", "At what pressure?"]),
        Case(name: "fenced JSON", reply: "```json\n{\"questions\": [\"Who wrote the report?\", \"When was it published?\"]}\n```",
             questions: ["Who wrote the report?", "When was it published?"]),
        Case(name: "fence without language", reply: "```\n{\"questions\": [\"What does the API return?\"]}\n```", questions: ["What does the API return?"]),
        Case(name: "preamble then JSON", reply: "Sure, here are 3 questions based on the text:\n{\"questions\": [\"What is the capital of France?\", \"Which river runs through it?\", \"How many people live there?\"]}",
             questions: ["What is the capital of France?", "Which river runs through it?", "How many people live there?"]),
        Case(name: "preamble, fence and a closing remark", reply: "Here you go!\n\n```json\n{\"questions\": [\"What causes tides?\", \"How often do they occur?\"]}\n```\nLet me know if you need more.",
             questions: ["What causes tides?", "How often do they occur?"]),
        Case(name: "bare JSON array", reply: #"["What is a mutex?", "When should a lock be held?"]"#, questions: ["What is a mutex?", "When should a lock be held?"]),
        Case(name: "array of objects", reply: #"[{"question": "What is TCP?"}, {"question": "How does it differ from UDP?", "answer": "It is reliable."}]"#,
             questions: ["What is TCP?", "How does it differ from UDP?"]),
        Case(name: "JSON with other keys", reply: #"{"q1": "What is inflation?", "q2": "How is it measured?", "note": "based on the text"}"#,
             questions: ["What is inflation?", "How is it measured?"]),
        Case(name: "numbered lines", reply: "1. What is the main idea of the passage?\n2. Who is the narrator?\n3. Where does the story take place?",
             questions: ["What is the main idea of the passage?", "Who is the narrator?", "Where does the story take place?"]),
        Case(name: "numbered with parentheses and preamble", reply: "Here are some questions:\n1) What year was the company founded?\n2) Who founded it?",
             questions: ["What year was the company founded?", "Who founded it?"]),
        Case(name: "bulleted lines", reply: "- What is a black hole?\n- How are black holes formed?\n* Can light escape a black hole?",
             questions: ["What is a black hole?", "How are black holes formed?", "Can light escape a black hole?"]),
        Case(name: "bold numbered markdown", reply: "**1.** What is the function of the heart?\n**2.** How many chambers does it have?",
             questions: ["What is the function of the heart?", "How many chambers does it have?"]),
        Case(name: "Q-labels", reply: "Q1: What does HTTP stand for?\nQ2: Which port does HTTPS use?\nQuestion 3: What is a status code?",
             questions: ["What does HTTP stand for?", "Which port does HTTPS use?", "What is a status code?"]),
        Case(name: "quoted lines with commas", reply: "\"What is the speed of light?\",\n\"Who measured it first?\"",
             questions: ["What is the speed of light?", "Who measured it first?"]),
        Case(name: "prose with questions in it", reply: "The text is about volcanoes. What causes a volcano to erupt? Where are most volcanoes found? These are good questions.",
             questions: ["What causes a volcano to erupt?", "Where are most volcanoes found?"]),
        Case(name: "prose without questions", reply: "The text describes the history of the Roman Empire and its fall.", questions: []),
        Case(name: "empty reply", reply: "", questions: []),
        Case(name: "whitespace only", reply: "  \n\n ", questions: []),
        Case(name: "empty JSON list", reply: #"{"questions": []}"#, questions: []),
        Case(name: "cut mid-array", reply: #"{"questions": ["What is DNA?", "Where is DNA found?", "How is DNA rep"#, finishReason: "length",
             questions: ["What is DNA?", "Where is DNA found?"]),
        Case(name: "cut right after an item", reply: #"{"questions": ["What is RNA?", "What does mRNA carry?""#, finishReason: "length",
             questions: ["What is RNA?", "What does mRNA carry?"]),
        Case(name: "cut inside a fence", reply: "```json\n{\"questions\": [\"What is an atom?\", \"What is a proton", finishReason: "length",
             questions: ["What is an atom?"]),
        Case(name: "cut before any question", reply: "{\"questions\": [\"What is the", finishReason: "length", questions: []),
        Case(name: "cut numbered list", reply: "1. What is gravity?\n2. Who described it?\n3. How does it aff", finishReason: "length",
             questions: ["What is gravity?", "Who described it?"]),
        Case(name: "too many, capped at the count asked", reply: #"{"questions": ["What is A?", "What is B?", "What is C?", "What is D?"]}"#, expected: 3,
             questions: ["What is A?", "What is B?", "What is C?"]),
        Case(name: "too few", reply: #"{"questions": ["What is the only question here?"]}"#, expected: 3, questions: ["What is the only question here?"]),
        Case(name: "duplicates dropped", reply: #"{"questions": ["What is X?", "what is x?", "Why is X?"]}"#, questions: ["What is X?", "Why is X?"]),
        Case(name: "JSON fragments are not questions", reply: "{\n\"questions\": [\n\"What is entropy?\",\n", finishReason: "length", questions: ["What is entropy?"]),
        Case(name: "broken JSON keys dropped", reply: #"{"questions": ["What is a neuron?", "questions": ]"#, questions: ["What is a neuron?"]),
        Case(name: "escaped quotes inside", reply: #"{"questions": ["What does \"latency\" mean here?", "Why is it \u0022low\u0022?"]}"#,
             questions: ["What does \"latency\" mean here?", "Why is it \"low\"?"]),
        Case(name: "non-English", reply: #"{"questions": ["Qu'est-ce que la photosynthèse ?", "Où se produit-elle ?"]}"#,
             questions: ["Qu'est-ce que la photosynthèse ?", "Où se produit-elle ?"]),
        Case(name: "a refusal", reply: "I'm sorry, but I can't help with that.", questions: []),
        Case(name: "single question object", reply: #"{"question": "What is the melting point of iron?"}"#, questions: ["What is the melting point of iron?"]),
        Case(name: "numbered items without question marks", reply: "1. Describe the water cycle.\n2. Explain how evaporation works.",
             questions: ["Describe the water cycle.", "Explain how evaporation works."]),
        // Replies SmolLM2-135M really gave to the default prompt.
        Case(name: "the prompt's example copied", reply: #"{ "questions": ["What is ...?", "Where is ...?", "How does ...?"] }"#, questions: []),
        Case(name: "ellipsis example copied", reply: #"{ "questions" : ["...?", "…?", "What is the answer to this question?" ]}"#,
             questions: ["What is the answer to this question?"]),
        Case(name: "placeholders copied", reply: #"{"questions": ["1. What is the purpose of the [insert question here]?", "2. How is the cache cleared?"]}"#,
             questions: ["2. How is the cache cleared?"]),
        Case(name: "garbage after an empty item", reply: "{\"questions\":[\"]}\n\nThis text is a JSON file with nested questions. We can parse this JSON using a simple loop:\n{\n  \" ,\"*10,\n    \" ,\"+JSONEncoder_BIG_ENDAQ(\n        {\" ]} ",
             questions: []),
        Case(name: "fragments around one item, then code", reply: "{\"questions\":[\", \", \"How is a function added to the billing module?\", \"]}\n```python\n# How to use the billing module.\ndef f():\n    return 1\n```",
             questions: ["How is a function added to the billing module?"]),
        Case(name: "lone words are not questions", reply: "- Questions\n- What is a lens?\n- ?", questions: ["What is a lens?"]),
        // Whitespace that only Unicode (or the regular expression) knows, around and inside.
        Case(name: "runs of spaces, tabs and non-ASCII spaces folded", reply: #"{"questions": ["  What  is\ta  lens?\u00a0", "Where is\u2003it?", "\u00a0**Why  here?**"]}"#,
             questions: ["What is a lens?", "Where is it?", "Why here?"]),
    ]

    @Test(arguments: cases) func parses(_ item: Case) {
        let reply = QuestionParser.parse(item.reply, finishReason: item.finishReason, expected: item.expected)
        #expect(reply.questions == item.questions)
        #expect(reply.truncated == (item.finishReason == "length"))
        for question in reply.questions {
            #expect(!question.contains("{") && !question.contains("\":"), "fragment kept: \(question)")
        }
    }

    @Test func theTableIsBigEnough() { #expect(Self.cases.count >= 25) }

    @Test func answersAreTrimmed() {
        #expect(QuestionParser.answer("  Paris.\n") == "Paris.")
        #expect(QuestionParser.answer("I don't know.") == "I don't know.")
        #expect(QuestionParser.answer("\n\n").isEmpty)
    }
}
