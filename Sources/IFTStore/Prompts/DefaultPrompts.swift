/// The prompts every store starts with: `questions@1` and `answers@1`, generic to any domain.
/// Written for small local models too, so the question prompt shows the reply it expects.
public enum DefaultPrompts {
    public static let questionsName = "questions"
    public static let answersName = "answers"

    public static let questionsSystem = """
        You write questions for a reading-comprehension dataset. You ask only questions that \
        the quoted text itself answers, and you reply with JSON only.
        """

    public static let questionsTemplate = """
        Here is a text, between the lines of dashes:
        ----------
        {{chunk}}
        ----------
        Write {{count}} different questions that this text answers. Each question must be \
        one sentence, end with a question mark, and be answerable from the text alone. Do not \
        ask about anything the text does not say.

        Reply with JSON only, in this form:
        {"questions": ["…?", "…?"]}
        """

    public static let answersSystem = """
        You answer questions using only the text you are given. When the text does not \
        contain the answer, you reply exactly: I don't know.
        """

    public static let answersTemplate = """
        Here is a text, between the lines of dashes:
        ----------
        {{chunk}}
        ----------
        Question: {{question}}

        Answer the question using only the text above, in one to three sentences. If the \
        text does not answer it, reply exactly "I don't know."
        """

    public static let all: [(name: String, role: PromptRole, system: String, template: String)] = [
        (questionsName, .question, questionsSystem, questionsTemplate),
        (answersName, .answer, answersSystem, answersTemplate),
    ]
}
