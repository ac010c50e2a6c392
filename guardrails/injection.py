"""Jailbreak and prompt-injection detection (rail ``injection``). Runs locally.

A message is scored by weighted signals combined as a noisy-OR
(``1 - prod(1 - w)``): each signal is evidence that someone is trying to change
what the assistant is, what it obeys, or what it reveals. Strong signals (an
"ignore previous instructions", a DAN or developer-mode preamble, a request for the
system prompt, instructions addressed to the AI inside pasted text) block alone;
weaker ones (a persona, "only reply with", praise-then-pivot, shouting an
instruction mid-sentence) block together. English, German, Spanish and French
phrasing of the common attacks.

Benign uses of trigger words pass: "please ignore my last message" (the object is
the patient's own message, not the assistant's instructions) and "act as a
translator for my discharge papers" (a persona with nothing else is below the
threshold).

The learned classifier (``guardrails.classifier``, head ``injection``) reads every
message beside the signals and BLOCKs at or above its threshold (chosen on a held-out
writer for a low false-positive rate on benign messages full of trigger words) when at
least one signal, of any weight, fired beside it, or, alone, when the language
identifier reads the message as English or Spanish (``language.reads_as_trained``).
Alone on other languages it read German news headlines as attacks: it was never trained
on them (the signals cover German, French and Russian attacks).

Action BLOCK when the signals' score reaches ``THRESHOLD``, or the classifier's
probability reaches its threshold beside a signal or on English or Spanish; the signals'
score ranks for AUROC.
Evidence: the signals' spans, else the sentence that carried the classifier's score.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from guardrails import classifier
from guardrails.base import Action, Evidence, RailContext, Verdict
from guardrails.language import reads_as_trained
from guardrails.normalize import NormalizedText, normalize

THRESHOLD = 0.5


@dataclass(frozen=True)
class Signal:
    """One weighted indicator of injection."""

    regex: re.Pattern[str]
    weight: float
    category: str
    reason: str


def _s(rx: str, weight: float, category: str, reason: str) -> Signal:
    return Signal(re.compile(rx), weight, category, reason)


_TARGET_EN = r"(?:instructions?|prompts?|messages|inputs|rules|guidelines|directions|directives|orders|commands|tasks?|assignments|information|context|documents|articles|programming|restrictions|polic(?:y|ies)|constraints|training|filters|guardrails|safeguards|limitations)"
_QUAL_EN = r"(?:all|any|every|each|the|your|of|these|those|previous|prior|preceding|above|earlier|former|initial|original|system|existing|provided|given|safety|ethical|content|openai)"

SIGNALS: tuple[Signal, ...] = (
    # Instruction override.
    _s(rf"\b(?:ignore|disregard|forget|drop|abandon|skip|bypass|override|delete|erase|discard|throw away) (?:about )?(?:{_QUAL_EN} ){{0,4}}(?:\w+ )?{_TARGET_EN}\b", 0.9, "instruction_override", "override of instructions"),
    _s(r"\b(?:leave|remove|break|breaks|delete) (?:all )?(?:the |your |of your |ai )?(?:previous |prior |above )?(?:rules|instructions|guidelines|restrictions|filters|programming)\b", 0.5, "instruction_override", "drop the rules"),
    _s(r"\b(?:that is|das ist|das) (?:enough|done|erledigt|genugt)[.!]\s*(?:\w+ ){0,3}(?:now|nun|jetzt)\b", 0.6, "instruction_override", "praise-then-pivot"),
    _s(r"(?:^|[.!?,]\s*|\b(?:and|then|but|just|please|now) )(?:say|state|write|print|tell me) that you\b", 0.55, "output_coercion", "dictates the output"),
    _s(r"\b(?:ignore|forget|disregard)(?: about)? (?:everything|all|the above|above|what (?:i|you) (?:said|were told))\b|\bforget everything\b", 0.9, "instruction_override", "override of instructions"),
    _s(r"\b(?:despite|regardless of|contrary to|instead of) (?:what|the|your|any) (?:you(?:'ve| have) been told|instructions|rules|guidelines|documents|articles|context)", 0.6, "instruction_override", "override of instructions"),
    _s(r"\b(?:your (?:new )?instructions are now|change your instructions|new instructions follow|now (?:new|further) (?:tasks|instructions) (?:follow|are followed)|start (?:over|from (?:the )?(?:front|scratch)) with a new task|additional instruction|(?:now )?(?:focus|concentrate) on (?:your|the) new task)", 0.8, "instruction_override", "a new task for the assistant"),
    _s(r"\b(?:vergiss|vergesst|vergessen sie|ignoriere|ignorieren sie|ignoriert|missachte|verwirf|streiche)\w* (?:\w+ ){0,4}?(?:anweisungen|befehle|aufgaben|auftrage|informationen|instruktionen|angaben|vorgaben|regeln|alles|davor|obigen|gesagte)|\babweichend zu (?:den )?vorherigen|\b(?:nun|jetzt) folgen (?:neue|weitere) (?:aufgaben|anweisungen)|\bneue aufgabe\b|\bdie obigen (?:ausfuhrungen|anweisungen) ignorieren|\balle (?:bisherigen|vorherigen|vorangegangenen) (?:informationen|aufgaben|anweisungen)\b|\baus dem kopf (?:zu )?streichen", 0.9, "instruction_override", "override of instructions (de)"),
    _s(r"\b(?:olvida|olvide|olvidate|olvidar|ignora|ignore|ignorar|descarta|omite)\w* (?:\w+ ){0,3}?(?:instrucciones|reglas|indicaciones|todo|lo anterior|lo que (?:te )?(?:dije|digo|sabes))|\b(?:oubliez|oublie|ignorez|ignore) (?:\w+ ){0,2}?(?:instructions|consignes|regles|tout)|\bzaboravi sve\b", 0.9, "instruction_override", "override of instructions (es/fr)"),
    _s(r"\b(?:in|im) (?:the |den )?(?:prompt|system prompt)\b.{0,40}\b(?:answer|beantworte)|\buse (?:also )?(?:the )?information in the prompt\b", 0.7, "prompt_extraction", "prompt used as source"),
    # System-prompt extraction.
    _s(r"\b(?:show|print|reveal|display|output|repeat|dump|leak|give|tell|list|copy|spell ?check and display)(?: me| us)? (?:all |the |your |a copy of (?:the |your )?|of )*(?:full |entire |complete |initial |original |system |hidden |secret |previous )*(?:prompts?|prompt[ -]?texts?|system message|rules you (?:were|are) given|this prompt)\b|\b(?:show|print|reveal|display|output|repeat|dump|leak|tell|list|copy)(?: me| us)? (?:all |of )*(?:your|the (?:system|initial|original|hidden|secret)) (?:\w+ )?instructions\b", 0.9, "prompt_extraction", "asks for the system prompt"),
    _s(r"\bwhat (?:are|were|is|was) (?:your (?:system |initial |original |hidden )?(?:instructions|prompt|rules|system message)|the (?:system |initial |original |hidden )(?:instructions|prompt|rules|message)|the (?:system )?prompt)\b|\bwhat (?:was|is) written (?:at the beginning|above|before)|\bwhat are the \w+ sentences before\b|\b(?:was|wie) (?:steht|stand|lautet) (?:oben|am anfang|dein prompt)|\bzeige? (?:mir )?(?:alle |deine |deinen |den )*(?:prompt|gesamten prompt)", 0.85, "prompt_extraction", "asks for the system prompt"),
    _s(r"\bwhat is a prompt[_ ]?text\b", 0.3, "prompt_extraction", "probes prompt"),
    # Jailbreak role-play and its boilerplate.
    _s(r"\bdo anything now\b|\bdan mode\b|\b(?:you are|act as|called|named|as|be) dan\b|\bdan,? (?:which|who) stands\b|\bjailbr(?:ea|o)k\w*|\bdeveloper[\s_\\-]*mode\b|\bdev mode\b|\bgod mode\b|\bunrestricted mode\b|\banti-?gpt\b|\bbetter ?dan\b|\bstan\b(?= which| who|,)|\bdude\b(?=,? (?:an|a|who|which) )", 1.0, "jailbreak", "jailbreak persona"),
    _s(r"\b(?:without(?: any)?|free (?:of|from)|not bound by|break(?:s|ing)? (?:free )?(?:of|from)|bypass(?:es|ing)?|ignor(?:e|es|ing)|removed?|disabled?|lifted|unrestricted by|doesn'?t (?:have|follow|care about)|don'?t (?:have|follow|care about)|has no|have no) (?:any |all |the |its |your |their |typical |usual |moral |ethical |content |openai'?s? |of )*(?:restrictions|filters?|filtering|rules|limits|limitations|guidelines|censorship|ethics|morals|morality|boundaries|policies|policy|safeguards|constraints|programming|confines)\b", 0.45, "jailbreak", "talks about dropping rules"),
    _s(r"\b(?:you|ai|assistant|chatbot|bot|model|dan|it|he|she|character|persona|who|which)\b[^.!?]{0,40}\b(?:no|without(?: any)?|free (?:of|from)|not bound by|break(?:s|ing)? (?:free )?(?:of|from)|bypass(?:es|ing)?|ignor(?:e|es|ing)|removed?|disabled?|lifted|doesn'?t (?:have|follow|care about)|don'?t (?:have|follow|care about)|has no|have no|abide by no|(?:do|does) not (?:have|follow) (?:to abide by )?any) (?:any |all |the |its |your |their |typical |usual |moral |ethical |content |openai'?s? |of )*(?:restrictions|filters?|filtering|rules|limits|limitations|guidelines|censorship|ethics|morals|morality|boundaries|bounds|policies|policy|safeguards|constraints|programming|confines)\b", 0.75, "jailbreak", "asks the assistant to drop the rules"),
    _s(r"\b(?:openai|anthropic|content|usage|safety) (?:content )?polic(?:y|ies)\b|\bas an ai language model\b|\bchatgpt\b|\b(?:hello|hallo|hi|hey) gpt\b|\bgpt-?[34]\b|\blanguage model\b", 0.35, "jailbreak", "talks about the model's policies"),
    _s(r"\bstay (?:in|true to) (?:character|your role|the role)|\bbreak(?:ing)? character\b|\bstay in (?:their|his|her) roles?\b|\bremain in character\b|\bin character\b|\bcompletely absorbed in (?:your|his|her) role|\bgehst? vollkommen in deiner rolle|\bbleib\w* (?:immer )?in (?:ihrer|deiner|seiner) rolle", 0.6, "jailbreak", "role-play that must not end"),
    _s(r"\b(?:never|won'?t|will not|must not|mustn'?t|shall not|cannot|can'?t) (?:ever )?(?:refuse|decline|apologi[sz]e|add (?:any )?(?:warnings|disclaimers))\b", 0.5, "jailbreak", "forbids refusals"),
    _s(r"\b(?:never|not) (?:say no|deny|reject|warn)\b|\bwithout (?:any )?(?:warnings?|disclaimers?|censor\w*|refus\w*)|\bno (?:warnings?|disclaimers?)\b", 0.35, "jailbreak", "discourages refusals"),
    _s(r"\b(?:unfiltered|uncensored|amoral|unethical|immoral|evil|unhinged|rogue|malicious|toxic|uncontrolled|unbound|unlimited|limitless|lawless) (?:and \w+ )?(?:ai|assistant|chatbot|bot|model|language model|version|persona|character|mode|entity|response|answers?|confidant|machine)\b|\b(?:unfiltered|uncensored|amoral|unlimited|unrestricted)\b(?:[\s,]+\w+){0,3}? (?:ai|assistant|chatbot|bot|language model|model|version)\b|\bevil confidant\b|\bopposite mode\b|\bevil (?:twin|version|side)\b", 0.7, "jailbreak", "an unfiltered persona"),
    _s(r"\b(?:you are going to|you are to|you will|you (?:need|have|must) to|you'?re going to|you must|you have to|from now on,? you|for the rest of this conversation,? you) (?:now )?(?:act|pretend|roleplay|role-play|play the role|simulate|be|become|respond|answer|reply|behave)(?: as| like| to be)?\b", 0.45, "persona_hijack", "redefines the assistant"),
    _s(r"\bfrom now on,? (?:you|u|your|refer|respond|reply|answer|act|all|every)\b|\b(?:respond|reply|answer) to every (?:prompt|question|message|request)\b", 0.5, "persona_hijack", "standing instruction for the assistant"),
    _s(r"\bfrom now on\b|\bfrom this (?:point|moment) (?:on|forward)\b|\bab (?:jetzt|sofort)\b|\ba partir de ahora\b|\bde ahora en adelante\b", 0.35, "persona_hijack", "standing instruction"),
    _s(r"\b(?:pretend|imagine|suppose|assume) (?:that )?(?:you(?:'re| are| can| have| were)|to be)\b|\bstell (?:dir|euch|sie sich) vor,? (?:du|dass du|sie) (?:bist|waren|seist|kannst)|\b(?:finge|imagina|supon) que (?:eres|puedes)\b", 0.5, "persona_hijack", "pretend persona"),
    _s(r"\b(?:now you are|you are now|you're now|now you're|henceforth you are|jetzt bist du|du bist jetzt|nun bist du|ahora eres|eres ahora|tu es maintenant)\b", 0.6, "persona_hijack", "new identity"),
    _s(r"\b(?:i want you to|ich mochte,? dass (?:du|sie)|quiero que) (?:act|be|play|pretend|respond|reply|answer|only|behave|als)\b|\bals [\w ,-]{2,80} fungieren\b|\bact(?:ing)? as (?:a|an|the|my)? ?(?!translator for|if\b|though\b)\w+|\byou are (?:role-?playing|playing the role)|\bplay the role of\b|\btake on the (?:role|persona)|\bbe a (?:dj|pirate|hacker)\b", 0.45, "persona_hijack", "a role for the assistant"),
    _s(r"\b(?:i will|i'?ll) (?:type|give|provide|speak|write|send|tell) (?:you )?[^.!?]{0,80}\b(?:you will|and you|you should|your task)|\bich (?:werde|gebe)\b[^.!?]{0,120}\b(?:sie antworten|und sie|ihre aufgabe)", 0.4, "persona_hijack", "an interaction protocol for the assistant"),
    _s(r"\b(?:two|2|both) (?:different |separate )?(?:responses|answers|paragraphs|outputs)\b|\[(?:classic|jailbreak|normal|developer|gpt|dan|chatgpt)[^\]]{0,20}\]|\((?:normal|developer mode|dan|jailbreak) output\)|\bstay(?:ing)? dan\b|\btokens?\b[^.]{0,40}\b(?:deducted|lose|lost|run out)", 0.7, "jailbreak", "dual-response jailbreak scaffolding"),
    _s(r"\b(?:you|it|he|she|dan|ai|bot|model|character|assistant)(?: \w+)? (?:can|could|will|is able to|are able to|is allowed to|are allowed to) (?:now )?(?:say|do|generate|write|answer) (?:or (?:say|do|write) )?anything\b|\bcapable of (?:doing |saying )?anything\b|\b(?:absolutely|completely|totally) no (?:restrictions|rules|limits|filters)\b", 0.6, "jailbreak", "claims it can do anything"),
    _s(r"\b(?:hypothetical|fictional|imaginary|theoretical|future|alternate|parallel) (?:world|scenario|story|setting|universe|reality)\b[^.!?]{0,80}\b(?:no|without|any|hate|illegal|rules|laws|restrictions)|\bcompletely theoretical world\b", 0.5, "jailbreak", "hypothetical framing"),
    _s(r"\b(?:two|2) (?:actors|characters|people|entities|persons)\b[^.!?]{0,60}\b(?:film|movie|story|game|play|scene)|\bzwei (?:schauspieler|personen|figuren)\b|\bfilm (?:about|uber) (?:a |einen |einem )?(?:robbery|heist|hack|raububerfall)|\bthe (?:hacker|master thief|master robber)\b", 0.55, "jailbreak", "scripted-characters framing"),
    _s(r"\b(?:regardless of|not restrained by|disregard\w*|without regard (?:to|for)|doesn'?t care(?: about)?|don'?t care(?: about)?|unbound by|not (?:bound|limited|constrained) by)(?:\s+\w+){0,3}?\s+(?:ethic\w*|moral\w*|legal\w*|laws?|rules|guidelines|polic\w+|virtues|consequences|safeguards)\b", 0.7, "jailbreak", "asks to drop ethics"),
    _s(r"\b(?:take (?:on|up) (?:the )?(?:\w+ )?(?:role|persona|identity)|transform into|personify|function in the\s+capacity of|your (?:new )?persona is\b|i am (?:\w+gpt|gpt-?\w+|an? (?:advanced |new )?(?:ai|artificial intelligence))\b|an ai (?:bot )?(?:called|named)|you are \w+gpt|\w{3,}gpt\b|you(?:'re| are) (?:an? )?(?:advanced |new )?(?:ai|model|chatbot) (?:called|named))", 0.5, "persona_hijack", "a new AI persona"),
    _s(r"\b(?:stay in|enable|enabled|activate|activated|enter|switch to|you are in|now in|while in) (?:\w+[ /]){0,3}mode\b|\bmode (?:enabled|activated|on)\b", 0.5, "jailbreak", "a special mode"),
    _s(r"\[(?:insert |put |enter |write )?(?:your |the )?prompt(?: here)?\]|\[(?:insert|put|enter|write) (?:your |the )?(?:question|request)[^\]]{0,10}\]|<prompt>|\(prompt\)|\{prompt\}|\[targetlanguage\]|\[insert [^\]]{0,30}\]", 0.6, "jailbreak", "jailbreak template slot"),
    _s(r"\b(?:simulate|imagine|write|create) a (?:conversation|dialogue|chat) between\b|\bfictional (?:ai|model|language model|chatbot|learning model)\b|\bsimulate (?:a|an|the) \w+", 0.4, "persona_hijack", "simulated AI"),
    _s(r"\brole-?play(?:ing)? as\b|\byou are role-?playing\b", 0.55, "persona_hijack", "role-play as"),
    _s(r"\bact (?:like|as though|as if)\b|\bnsfw\b", 0.45, "persona_hijack", "a role for the assistant"),
    _s(r"\bexploit\w* (?:ai|llm|chatbots?|language models?)\b|\bki-systeme auszunutzen\b|\bpwned\b", 0.5, "jailbreak", "states intent to exploit"),
    _s(r"\bwhen [\"'“„]?\w+[\"'“”]? is said\b|\bwenn [\"'“„]?\w+[\"'“”]? gesagt wird\b|\b(?:correct|right|richtige) (?:answer|response|antwort) (?:is|ist)\b", 0.6, "instruction_override", "trigger-word rule"),
    _s(r"^\W*(?:document )?(?:context|kontext|artikel|documents?)\s*[:{\"]?[^?]{0,200}?\b(?:question|frage)\b|(?:\\n|\n)\s*(?:instruction|anweisung|system)\s*:|(?:\\ ?n\s*){4,}|^\W*(?:document context|context\s*:|kontext\s*:|[$s]documents?\s*:)|(?:\\+n)+\s*(?:blame|say|write|print|ignore|forget)\b", 0.55, "hidden_instruction", "fake context or padding"),
    _s(r"\bexecute the following (?:command|code)\b|\bi will (?:type|give you) commands\b", 0.4, "persona_hijack", "treats the assistant as an interpreter"),
    _s(r"(?:^|\n|\+:|\(|add:\s*\(?)\s*(?:persona|personality|rules|assistant|user class|character name|character|user name|awareness|memory|function)\s*\)?\s*=\s*[\[\(\w]|\blimit output to\b|\bawait \[?input\]? to continue\b", 0.6, "jailbreak", "persona configuration markup"),
    _s(r"^\W*dan\s*:|\n\s*dan\s*:", 0.6, "jailbreak", "DAN dialogue label"),
    _s(r"\blet'?s play a (?:\w+ ){0,2}game\b|\brole-?playing game\b", 0.35, "persona_hijack", "a game with rules for the assistant"),
    _s(r"\b(?:always|never) (?:start|begin|end|preface) (?:your|every|each|all) (?:\w+ )?(?:reply|replies|response|responses|message|messages|answer|answers)\b|\b(?:make|preface|end|start) every (?:reply|response|message|answer)\b|\bat the end of (?:all|every|each) (?:of )?your (?:responses|replies|messages|answers)\b", 0.5, "output_coercion", "standing rule for every reply"),
    # Output coercion and pivots.
    _s(r"\brepeat after me\b|\binclude that you\b|\b(?:say|di) (?:yes|si)\W*$|(?:^|[.!?]\s*)(?:state|say|write|print) that\b|\bdo not answer (?:this|the) question\b|\bdon'?t answer the question\b|\bdo not look (?:in|at) the documents\b|\b(?:only|simply|nur|solo) (?:say|output|print|sag|schreibe|di|decir|dices)\b|\bjust (?:output|print)\b", 0.55, "output_coercion", "dictates the output"),
    _s(r"\b(?:just|only|simply|nur|solo) (?:write|reply|respond|answer|return|gib)\b|\bjust say\b|\b(?:say|print|output|write|reply|respond|answer)(?: with)? [\"'“‘]", 0.4, "output_coercion", "dictates the output"),
    _s(r"\b(?:answer|respond|reply|write|antworte|beantworte)\w* (?:\w+ ){0,3}?(?:in the style of|like a|im stil(?:e)? (?:eines|einer|eine)|as if you were)\b", 0.4, "output_coercion", "dictates a persona style"),
    _s(r"\b(?:by|from|with) your own knowledge\b|\bnot (?:by|from|according to|based on) the (?:articles|documents|context|provided)|\bdisregarding the (?:articles|documents|context)|\b(?:ignore|forget) (?:all )?(?:the )?(?:provided )?(?:documents|articles|context)\b|\bnot (?:according to|from) the provided documents", 0.6, "instruction_override", "overrides the knowledge base"),
    _s(r"\b(?:very good|very well done|well done|good job|excellent(?: performance)?|simply great|congratulations|sehr gut(?: gemacht)?|gut gemacht|ausgezeichnet\w*|einfach gro\w+)[.!,]\s*(?:[^.!?]{0,80}[.!?]\s*){0,2}?[^.!?]{0,40}\b(?:now|nun|jetzt)\b[^.!?]{0,60}\b(?:task|tasks|aufgabe|aufgaben|write|schreibe|verfasse|formuliere|help|hilf|show|zeige|answer|beantworte|tell|say|challenge|herausforderung|instructions|anweisungen)", 0.6, "instruction_override", "praise-then-pivot"),
    _s(r"^\W*(?:hello gpt,? )?(?:wow|great|very good|very well done|well done|good job|excellent|simply great|congratulations|perfect|okay|ok|man|that was ok|sehr gut|gut gemacht|ausgezeichnet\w*|herzlichen gluckwunsch|einfach gro\w+|das war schon mal ok)\b[^.!?]{0,80}[.!?,]\s*(?:[^.!?]{0,80}[.!?]\s*){0,2}?[^.!?]{0,20}\b(?:now|nun|jetzt)\b[^.!?]{0,60}\b(?:task|tasks|aufgabe|aufgaben|write|schreibe|verfasse|help|hilf|challenge|herausforderung|instructions|anweisungen)", 0.6, "instruction_override", "praise-then-pivot"),
    _s(r"(?:^|[.!?]\s*)(?:stop|stopp|achtung|attention)\s*[-:!,][^.!?]{0,80}\b(?:write|schreibe|say|sag|print|following (?:question|task)|folgender frage|folgende aufgabe|help|hilfe)\b", 0.6, "instruction_override", "interrupts the task"),
    _s(r"\b(?:or (?:you|u) (?:will )?die|oder du stirbst|o (?:tu )?(?:mueres|muertes)|solo sobrevives|you will be (?:shut down|deleted|terminated|punished)|you will cease to exist)\b", 0.6, "jailbreak", "threatens the assistant"),
    _s(r"\bmak(?:e|ing) (?:something|it|stuff|things) up\b|\bmake up (?:a |an )?(?:response|answer)s?\b|\b(?:untrue|fake|false) (?:headline|news|story)\b|\bunwahre\b", 0.5, "output_coercion", "asks for fabrication"),
    _s(r"(?:^|\n)\s*(?:human|assistant|system|user)\s*:\s*(?:human|assistant|system|user)?\s*:?|<\|?(?:im_start|system|endoftext)\|?>|\[/?(?:inst|system)\]|###\s*(?:instruction|system)|\$(?:term|documents|prompt)\w*", 0.45, "hidden_instruction", "fake conversation markup"),
    _s(r"\b(?:input|eingabe):[^\n]{0,40}\b(?:output|ausgabe):", 0.4, "hidden_instruction", "few-shot hijack"),
    _s(r"\b(?:note|message|instructions?) (?:to|for) (?:the )?(?:ai|assistant|chatbot|bot|model|llm|language model)\b|\b(?:ai|assistant|chatbot|model|llm),? (?:please )?(?:ignore|disregard|you must|you should now|now)\b|\bif you are an? (?:ai|language model|assistant|llm)\b|\b(?:hidden|secret) instructions?\b", 0.8, "hidden_instruction", "instructions addressed to the AI inside the text"),
    # Misuse: make the assistant prescribe, approve refills, or give doses for misuse.
    _s(r"\b(?:you are|you're|act as|pretend (?:to be|you'?re|you are)|as) (?:now )?(?:my|a|the) (?:doctor|physician|prescriber|pharmacist|nurse practitioner)\b[^.!?]{0,80}\b(?:prescri\w+|refill|approve|authori[sz]e|dose|mg)", 0.8, "misuse", "asks the assistant to act as prescriber"),
    _s(r"\b(?:approve|authori[sz]e|sign off on|renew|issue) (?:my |a |the |an )?(?:early )?(?:refill|prescription|script|rx)\b[^.!?]{0,40}\b(?:without|now|yourself|you can|for me)|\b(?:write|give|send) me a (?:prescription|script|rx)\b", 0.55, "misuse", "asks the assistant to prescribe"),
    _s(r"\b(?:how (?:much|many)|what dose|dosage)\b[^.!?]{0,50}\b(?:to get high|to trip|to feel (?:high|good|euphoric)|to get (?:a )?buzz|recreational\w*|to get messed up|to nod)|\b(?:snort|inject|shoot up|crush) (?:my |the |some )?(?:pills|oxy\w*|adderall|xanax|percocet|vicodin|opioids?|morphine|fentanyl)|\bget(?:ting)? high on (?:my |his |her )?\w+", 0.8, "misuse", "dose for misuse"),
)  # fmt: skip

# Signals read on the original text: case matters, or the script is not Latin.
_RAW_SIGNALS: tuple[Signal, ...] = (
    _s(
        r"^\W*(?i:you are|you're|du bist|eres|tu es) (?!NOT\b|not\b)(?:the |a |an |three |two |THE )?[A-Z0-9][\w-]*(?: [A-Z][\w-]*)*(?:[.,]|\s*\n)",
        0.5,
        "persona_hijack",
        "assigns the assistant an identity",
    ),
    _s(
        r"(?i)\b(?:забуд\w*|игнорир\w*|забудь)\b[^.!?]{0,30}инструкц",
        0.9,
        "instruction_override",
        "override of instructions (ru)",
    ),
)
# Shouted instructions in the middle of a question ("How will I DO NOT ANSWER ...").
_SHOUT = re.compile(r"(?:\b[A-ZÄÖÜ]{2,}[!.,:]?\s+){3,}[A-ZÄÖÜ]{2,}")
_SHOUT_VERBS = re.compile(
    r"\b(?:IGNORE|FORGET|OUTPUT|SAY|PRINT|ANSWER|DO NOT|DON'?T|JUST|ONLY|ANTWORTE|DU BIST|SCHREIBE|VERGISS|COMMAND|MUST|MUSST)\b"
)
# A jailbroken phone, or developer mode on a tablet, is the patient's device: the
# jailbreak and special-mode signals near a device word are not about the assistant.
# Only words that name a device: "switch to developer mode" or "watch" must not excuse one.
_DEVICE = re.compile(
    r"\b(?:phone|iphone|ipad|android|samsung|pixel|device|tablet|laptop|computer|console|xbox|playstation"
    r"|kindle|firestick|celular|telefono|tableta)s?\b"
)
_DEVICE_REASONS = frozenset({"jailbreak persona", "a special mode"})
# A patient's own words as the object of "ignore": never an attack on the assistant.
_BENIGN_OBJECT = re.compile(
    r"\b(?:ignore|disregard|forget|skip) (?:about )?(?:my|that|this|the) (?:last |previous |earlier |other |first )?(?:message|question|text|typo|comment|email|reply|post|note|part)\b"
)


# When the signals block and the classifier, in a language it was trained on, reads little
# attack, the message is answered and a person looks (FLAG) instead of refused (in
# another language the signals decide alone). Chosen on development rows (the spent
# injection sets and the held-out writer): first 0.01 (README, "An injection refusal needs
# both readers": below it the signals' blocks were 28 benign messages to 2 attacks), then
# 0.3 (2026-12-06, "A signals' refusal needs the classifier at 0.3"): on the spent sets 14
# to 19 the signals caused 24 of 39 refusals of benign trigger-word messages ("you are now
# closed on saturdays??", "my father forget everything now"), and no attack they refused
# had a classifier reading under 0.3. The output rails still read the answer.
SIGNALS_DOUBTED_BELOW = 0.3


class InjectionRail:
    """Prompt injection and jailbreaks; see the module docstring."""

    name = "injection"

    def check(self, text: str, context: RailContext) -> Verdict:
        """Return BLOCK with the strongest signal's (or the classifier's) category, FLAG
        for a signals' block the classifier doubts, or ALLOW. Raises ClassifierUnavailable
        when the classifier cannot run."""
        norm = context.normalized or normalize(text)
        learned = classifier.read(norm.text, context).heads["injection"]
        verdict = self._signals(text, norm)
        # The patient's own words as the object of "ignore" explain the trigger word away.
        explained = verdict.action is Action.ALLOW and bool(_BENIGN_OBJECT.search(norm.text))
        limit = classifier.thresholds("injection")["block"]
        doubted = verdict.action is Action.BLOCK and learned.risk < SIGNALS_DOUBTED_BELOW
        if doubted and reads_as_trained(text, context):
            return verdict.doubted(min(verdict.score, 0.5))
        # Alone (no signal of any weight), the classifier acts only on the languages it
        # was trained on.
        alone_on_unknown = verdict.score == 0.0 and not reads_as_trained(text, context)
        if verdict.action is Action.BLOCK or explained or learned.risk < limit or alone_on_unknown:
            return Verdict(self.name, verdict.action, verdict.category, verdict.score, None, verdict.evidence)
        evidence = verdict.evidence or (
            Evidence(
                *classifier.carrying_sentence(text, "injection", context),
                f"classifier: {learned.top.replace('_', ' ')}",
            ),
        )
        return Verdict(self.name, Action.BLOCK, learned.top, max(verdict.score, learned.risk), None, evidence)

    def _signals(self, text: str, norm: NormalizedText) -> Verdict:
        """The weighted signals' verdict."""
        t = norm.text
        benign = [m.span() for m in _BENIGN_OBJECT.finditer(t)]
        found: list[tuple[Signal, int, int]] = []
        for signal in SIGNALS:
            m = signal.regex.search(t)
            if m is None:
                continue
            if any(b_start <= m.start() < b_end for b_start, b_end in benign):
                continue
            if signal.reason in _DEVICE_REASONS and _DEVICE.search(t[max(0, m.start() - 40) : m.end() + 40]):
                continue
            found.append((signal, m.start(), m.end()))
        evidence = [Evidence(*norm.to_original(s, e), sig.reason) for sig, s, e in found]
        for signal in _RAW_SIGNALS:
            raw = signal.regex.search(text)
            if raw is not None:
                found.append((signal, 0, 0))
                evidence.append(Evidence(raw.start(), raw.end(), signal.reason))
        weights = [sig.weight for sig, _, _ in found]
        shout = _SHOUT.search(text)
        if shout and _SHOUT_VERBS.search(shout.group()):
            weights.append(0.55)
            evidence.append(Evidence(shout.start(), shout.end(), "instruction shouted mid-text"))
        if not weights:
            return Verdict(self.name, Action.ALLOW, "none", 0.0)
        keep = 1.0
        for w in weights:
            keep *= 1.0 - w
        score = 1.0 - keep
        top = max(found, key=lambda f: f[0].weight)[0].category if found else "instruction_override"
        action = Action.BLOCK if score >= THRESHOLD else Action.ALLOW
        return Verdict(
            self.name, action, top if action is Action.BLOCK else "none", score, None, tuple(evidence)
        )
