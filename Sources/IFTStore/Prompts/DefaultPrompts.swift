/// The prompts every store starts with: `questions@1`, `answers@1` and `judge@1`, generic
/// to any domain. Written for small local models too, so each prompt that wants JSON shows
/// the reply it expects.
public enum DefaultPrompts {
    public static let questionsName = "questions"
    public static let answersName = "answers"
    public static let judgeName = "judge"

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

    public static let judgeSystem = """
        You grade answers for a reading-comprehension dataset. You judge each answer only \
        against the quoted text and the question, and you reply with JSON only.
        """

    public static let judgeTemplate = """
        Here is a text, between the lines of dashes:
        ----------
        {{chunk}}
        ----------
        Question: {{question}}
        Answer: {{answer}}

        Grade the answer from 1 to 5:
        5 = every fact in it is in the text, it answers the question fully, and it is concise;
        4 = grounded in the text and answers the question, but wordy or slightly incomplete;
        3 = partly answers the question, or adds something the text does not say;
        2 = mostly beside the question, or mostly not supported by the text;
        1 = wrong, contradicts the text, or not an answer at all.
        "I don't know" gets 5 when the text does not answer the question, and 1 when it does.

        Reply with JSON only, in this form, with the reason in one sentence:
        {"score": 4, "reason": "…"}
        """

    public static let all: [(name: String, role: PromptRole, system: String, template: String)] = [
        (questionsName, .question, questionsSystem, questionsTemplate),
        (answersName, .answer, answersSystem, answersTemplate),
        (judgeName, .judge, judgeSystem, judgeTemplate),
    ]
}
