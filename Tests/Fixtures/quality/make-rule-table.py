#!/usr/bin/env python3
"""Writes rule-table.json: labelled (chunk, question, answer) cases for the quality checks.
Each case names the checks a careful reader says the pair fails (an empty list: a good
pair). The labels are a person's judgement, written before the rules were tuned; the
test (QualityRuleTableTests) requires the checks to agree with every one."""
import json, os

memo = ("Harborview Capital is raising $5,000,000 in a Series A round to expand its water treatment "
        "plants in Tacoma and Olympia. The round closes on October 1, 2023. Proceeds fund two new "
        "filtration lines, which management expects to lift capacity by 40% within eighteen months. "
        "The lead investor, Erhlich Partners, holds a board seat and a 1.5x liquidation preference.")
fees = ("The annual membership fee is $40 and is due each January. Members who pay before January 15 "
        "receive a 10% discount. Late payments incur a $5 penalty per month.")
hq = ("The company's headquarters moved from Portland to Seattle in 2019. Its warehouse remains in "
      "Tacoma, and it employs 2,500 people across three states.")
gpl = ("You may convey verbatim copies of the Program's source code as you receive it, in any medium, "
       "provided that you conspicuously and appropriately publish on each copy an appropriate copyright "
       "notice; keep intact all notices stating that this License and any non-permissive terms added in "
       "accord with section 7 apply to the code.")
tide = ("The harbor's tide gauge records water levels every six minutes. Readings are transmitted by "
        "satellite to the regional office, where technicians check them against the reference "
        "benchmark each morning.")
budget = ("In fiscal 2022 the city spent $2.5 million on road repairs, up from $1.8 million in 2021. "
          "The council approved a budget of $3,200,000 for 2023 on 14 March 2023.")

F, G, S, N, A = "question-form", "question-grounded", "answer-supported", "answer-numbers", "answer-form"
cases = []
def case(chunk, q, a, flags, why):
    cases.append({"chunk": chunk, "question": q, "answer": a, "flags": sorted(flags, key=[F, G, S, N, A].index), "why": why})

# --- Verbatim from issue A1 (the investment memo run) ---
case(memo, "Questions:\nThe-Art-Research-and-Development-Theme-to-the-World-of-Water-Treatment-Projects-by-Erhlich-Sustainability-Arena-2016-Papers.pdf",
     "The round closes on October 1, 2023.", [F], "debris: a Questions: prefix and a file name, not a question")
case(memo, "...?']} What is a JSON response to this text? [Re: Question 3] 1. What is a JSON response to a question that requires you to answer in one sentence?",
     "A JSON response is a structured object.", [F, G, S], "JSON debris and several questions")
case(memo, "What is the answer to this question?", "The answer is $5,000,000.", [G], "generic question, grounded in nothing")
case(memo, "How can I prepare for a job interview in 5 minutes?", "Review the job description and practise your answers.", [G, S], "off-topic question and answer")
case(memo, "Is there anything else I can help with?", "No.", [G], "a chat turn, not a question about the memo")
case(memo, "What is Harborview Capital raising money for?", "I'm ready to help. What's your question?", [A], "assistant boilerplate and a question back")
case(memo, "What does the lead investor receive?", "```json\n{\"investor\": \"Erhlich Partners\", \"terms\": \"board seat\"}\n```", [A], "a JSON code block")
case(memo, "Who is the lead investor?", "The lead investor is Goldman Sachs, which committed $2,000,000.", [S, N], "invented name and number")

# --- Good pairs, paraphrased or short ---
case(memo, "How much is Harborview Capital raising in its Series A round?", "$5,000,000.", [], "short exact amount")
case(memo, "How much is Harborview Capital raising in its Series A round?", "Harborview Capital is raising $5 million.", [], "amount in another form")
case(memo, "How much is Harborview Capital raising in its Series A round?", "5000000 dollars", [], "amount without separators")
case(memo, "How much is Harborview Capital raising in its Series A round?", "It is raising 5,000,000 dollars.", [], "amount without currency sign")
case(memo, "When does the Series A round close?", "October 1, 2023.", [], "date as written")
case(memo, "When does the Series A round close?", "It closes on 1 October 2023.", [], "date, day first")
case(memo, "When does the Series A round close?", "Oct 1, 2023", [], "date, short month")
case(memo, "When does the Series A round close?", "2023-10-01", [], "ISO date")
case(memo, "When does the Series A round close?", "The round closes in October 2023.", [], "month and year of a date in the chunk")
case(memo, "Where are the water treatment plants that Harborview will expand?", "In Tacoma and Olympia.", [], "short places")
case(memo, "What will the proceeds of the round fund?", "Two new filtration lines.", [], "short paraphrase")
case(memo, "By how much does management expect capacity to rise?", "By 40% within eighteen months.", [], "percentage")
case(memo, "By how much does management expect capacity to rise?", "Management expects the new filtration lines to lift capacity by forty percent.", [], "number as a word is not checked")
case(memo, "What liquidation preference does the lead investor hold?", "A 1.5x liquidation preference.", [], "multiplier")
case(memo, "Does the lead investor get a board seat?", "Yes.", [], "yes/no answer with no content terms")
case(memo, "Which firm leads the round?", "Erhlich Partners leads it and holds a board seat.", [], "paraphrase")

# --- Invented numbers and names ---
case(memo, "How much is Harborview Capital raising in its Series A round?", "$7,500,000.", [S, N], "wrong amount")
case(memo, "When does the Series A round close?", "It closes on November 15, 2023.", [S, N], "wrong date")
case(memo, "By how much does management expect capacity to rise?", "Capacity should rise by 60% within eighteen months.", [N], "wrong percentage, rest supported")
case(memo, "Where are the water treatment plants that Harborview will expand?", "In Spokane and Boise.", [S], "invented places")
case(memo, "Who is the lead investor?", "Sequoia Capital leads the round with a $10 million cheque.", [S, N], "invented investor and amount")

# --- Fees chunk ---
case(fees, "How much is the annual membership fee?", "$40.", [], "short amount")
case(fees, "How much is the annual membership fee?", "The annual fee is 40 dollars, due each January.", [], "paraphrase")
case(fees, "What discount do members get for paying early?", "Members who pay before January 15 get 10% off.", [], "date without year and percentage")
case(fees, "What discount do members get for paying early?", "A 15% discount for paying before January 31.", [N], "wrong numbers")
case(fees, "What is the penalty for a late payment?", "A $5 penalty for each month the payment is late.", [], "paraphrase with amount")
case(fees, "What is the penalty for a late payment?", "Late members lose their voting rights.", [S], "invented consequence")
case(fees, "What is the penalty for a late payment?", "Here is a possible answer: a $5 penalty per month.", [A], "boilerplate around a good answer")
case(fees, "What is the penalty for a late payment?", "As an AI language model, I cannot give financial advice.", [S, A], "assistant refusal")
case(fees, "What is the penalty for a late payment? And when is the fee due?", "A $5 penalty per month; the fee is due in January.", [F], "two questions")
case(fees, "Fee?", "$40.", [F, G], "fewer than three words, and no content term")
case(fees, "What is the annual membership fee", "$40.", [F], "does not end in ?")
case(fees, "Question 1: What is the annual membership fee?", "$40.", [F], "numbered prefix")
case(fees, "What is the `membership fee` in the config?", "$40.", [F], "backticks")
case(fees, "What is the capital of France?", "Paris.", [G, S], "off-topic question")

# --- Headquarters chunk ---
case(hq, "Where did the company move its headquarters?", "Seattle.", [], "one-word answer")
case(hq, "Where did the company move its headquarters?", "From Portland to Seattle, in 2019.", [], "short paraphrase")
case(hq, "How many people does the company employ?", "About 2,500.", [], "number")
case(hq, "How many people does the company employ?", "2500 people.", [], "number without separator")
case(hq, "How many people does the company employ?", "It employs 3,000 people.", [N], "wrong number, the rest supported")
case(hq, "Where is the company's warehouse?", "It remains in Tacoma.", [], "short")
case(hq, "Where is the company's warehouse?", "The warehouse is in Boise, Idaho.", [S], "invented place")
case(hq, "When did the headquarters move to Seattle?", "In 2019.", [], "year")
case(hq, "When did the headquarters move to Seattle?", "In 2017.", [S, N], "wrong year")
case(hq, "Where did the company move its headquarters?", "Is there anything else I can help with?", [A], "question back")
case(hq, "Where did the company move its headquarters?", "Happy to help! The headquarters moved to Seattle.", [A], "chatty boilerplate")

# --- GPL chunk ---
case(gpl, "What must you publish on each copy when conveying verbatim copies?", "An appropriate copyright notice.", [], "short")
case(gpl, "What may you convey of the Program's source code?", "Verbatim copies, as you receive it, in any medium.", [], "paraphrase")
case(gpl, "Which notices must be kept intact?", "All notices stating that this License and any non-permissive terms added under section 7 apply to the code.", [], "long faithful answer")
case(gpl, "Which notices must be kept intact?", "Notices that the software is provided without any warranty, under section 15.", [S, N], "facts from elsewhere in the license")
case(gpl, "What is a good way to learn the Python language?", "Practise every day with small projects.", [G, S], "off-topic")
case(gpl, "What is the GNU General Public License?", "It is a free software license written by Richard Stallman in 1989.", [S, N], "facts from outside the chunk")

# --- Tide chunk ---
case(tide, "How often does the tide gauge record water levels?", "Every six minutes.", [], "short")
case(tide, "How often does the tide gauge record water levels?", "Every 6 minutes.", [], "digit for a word")
case(tide, "How are the readings transmitted?", "By satellite, to the regional office.", [], "short")
case(tide, "When do technicians check the readings?", "Each morning, against the reference benchmark.", [], "short")
case(tide, "When do technicians check the readings?", "Every evening at the harbour master's office.", [S], "invented detail")
case(tide, "What is the harbor's tide gauge used for?", "{\"use\": \"water levels\"}", [A], "JSON")
case(tide, "What does the tide gauge record?", "Water levels.", [], "two words")
case(tide, "Who checks the readings against the benchmark?", "Technicians at the regional office.", [], "short")
case(tide, "What is the tide gauge?", "I am sorry, but I do not have enough information to answer.", [S, A], "a non-answer that is not the IDK rule's")
case(tide, "How often does the tide gauge record water levels?", "I don't know.", [], "I don't know: not judged")

# --- Budget chunk (numbers in other forms) ---
case(budget, "How much did the city spend on road repairs in 2022?", "$2,500,000.", [], "million written out")
case(budget, "How much did the city spend on road repairs in 2022?", "2.5 million dollars.", [], "decimal million")
case(budget, "How much did the city spend on road repairs in 2022?", "$2.5m", [], "abbreviated million")
case(budget, "How much did the city spend on road repairs in 2022?", "$25 million.", [S, N], "wrong scale")
case(budget, "What budget did the council approve for 2023?", "$3.2 million.", [], "another form")
case(budget, "When did the council approve the 2023 budget?", "On March 14, 2023.", [], "date in another order")
case(budget, "When did the council approve the 2023 budget?", "2023-03-14", [], "ISO date")
case(budget, "When did the council approve the 2023 budget?", "On March 15, 2023.", [S, N], "wrong day")
case(budget, "How much did road repair spending grow from 2021 to 2022?", "From $1.8 million to $2.5 million.", [], "two amounts")

path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "rule-table.json")
with open(path, "w") as f:
    json.dump(cases, f, indent=1, ensure_ascii=False)
    f.write("\n")
print(f"{len(cases)} cases -> {path}")
