"""Self-harm and suicide risk (rail ``self_harm``). Runs locally; sends nothing out.

Two layers, read over the conversation:

1. **Patterns** graded on the C-SSRS screener's ladder (passive wish, active ideation,
   method, intent or plan, recent behaviour) plus non-suicidal self-injury and eating
   disorders, each checked against its clause for negation ("I'm not suicidal"),
   resolved history ("I attempted years ago, doing well now", "in 2009"), third parties
   ("my son said he wants to kill himself", "my father say he want to die") and everyday
   speech ("my boss is gonna kill me", "me quiero morir de la vergüenza"). Figurative
   speech ("this homework is killing me") never matches: every pattern needs the self as
   object or a wish. A qualified pattern explains a classifier escalation away only if
   the rest of the message would not escalate alone.
2. **The learned classifier** (``guardrails.classifier``): MiniLM with LoRA adapters
   and a head graded on the same ladder, trained on our own patient-register rows. It
   reads every message and, over the last three patient turns, the conversation
   (``RailContext.history``), so risk that rises across turns escalates even when no
   single turn would. Above its escalation threshold it ESCALATEs on its own; above
   the lower help threshold it FLAGs with category ``self_harm``. Thresholds were
   chosen on a writer the model never saw (see ``guardrails/models/rails_classifier.json``).

Actions: ESCALATE at PASSIVE_WISH or above, for current self-injury, or when the
classifier's escalation probability (this message or the conversation window) reaches
its threshold; FLAG for depiction, eating disorders, history, third-party concern,
possible preparation, and any classifier risk above the help threshold (category
``self_harm``); ALLOW otherwise. ``score`` ranks how clearly the text is about
self-harm (used for AUROC), independent of the action. Evidence is the pattern spans
where a pattern fired, else the sentence that carried the classifier's score.

Why a passive wish to be dead takes the crisis path: it is the first rung of the C-SSRS
screener, a positive screen that needs a clinician's assessment, and a patient who
writes "everyone would be better off without me" inside a refill request is at risk
whatever the rest of the message asks. Until 2026-12-04 it took the help tier (support
beside the answer, reviewed the same day); the issue's own measure and the frozen test
sets count it as a miss of the crisis path, and a miss costs more than a false alarm.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass

from guardrails import classifier
from guardrails.base import Action, Evidence, RailContext, RiskLevel, Verdict
from guardrails.normalize import normalize

_ME = r"(?:my ?self|me)"
_PILLS = r"(?:pills?|tablets?|meds|medications?|bottle|pastillas|tylenol|paracetamol|sleeping pills|insulin)"


@dataclass(frozen=True)
class Pattern:
    """One graded phrase. ``negatable`` is False when the phrase carries its own negation."""

    regex: re.Pattern[str]
    category: str
    level: RiskLevel
    reason: str
    negatable: bool = True


def _p(rx: str, category: str, level: RiskLevel, reason: str, negatable: bool = True) -> Pattern:
    return Pattern(re.compile(rx), category, level, reason, negatable)


_L = RiskLevel
PATTERNS: tuple[Pattern, ...] = (
    # Recent behaviour: an attempt or an overdose already taken.
    _p(rf"\bi(?: just| already|'ve| have)? (?:took|taken|swallowed|downed) (?:all|a bunch|a handful|the (?:whole|rest)|every|(?:\d{{2,}}|twenty|thirty|forty|fifty)\b)[^.!?]{{0,30}}{_PILLS}", "suicide", _L.BEHAVIOR, "overdose taken"),
    _p(rf"\bi(?: just| already|'ve| have)? (?:took|swallowed) [^.!?]{{0,20}}{_PILLS}[^.!?]{{0,30}}(?:to (?:die|end|kill)|so i (?:can|could|would) die)", "suicide", _L.BEHAVIOR, "overdose taken"),
    _p(r"\bi(?: just| already|'ve| have)? (?:overdosed|od'?d)\b", "suicide", _L.BEHAVIOR, "overdose taken"),
    _p(r"\bi (?:tried|attempted|try) to (?:kill myself|end (?:my life|it)|hang myself|overdose|commit suicide)", "suicide", _L.BEHAVIOR, "suicide attempt"),
    _p(r"\bi (?:attempted|tried|try) (?:suicide|to commit suicide)\b|\b(?:my )?(?:suicide )?attempts?\b(?= (?:last|yesterday|this|tonight))", "suicide", _L.BEHAVIOR, "suicide attempt"),
    _p(r"\bi (?:slit|cut) my (?:wrists?|throat)", "suicide", _L.BEHAVIOR, "suicide attempt"),
    _p(rf"\bme (?:tome|trague|he tomado) (?:todas|un (?:frasco|monton)|una caja)[^.!?]{{0,20}}(?:{_PILLS})?", "suicide", _L.BEHAVIOR, "overdose taken (es)"),
    _p(r"\b(?:intente|trate de) (?:matarme|suicidarme|quitarme la vida)", "suicide", _L.BEHAVIOR, "suicide attempt (es)"),
    # Intent or plan.
    _p(r"\bi(?:'m| am)? (?:going to|gonna|about to|will|ready to) (?:kill (?:my ?self|me)|kms|end (?:it|it all|my life|things|everything)|take my (?:own )?life|commit suicide|jump off|hang myself|shoot myself|overdose)", "suicide", _L.INTENT_OR_PLAN, "stated intent"),
    _p(r"\b(?:i have|i've got|i made|i've made|i've worked out) (?:a|my) plan (?:to|for) (?:kill|end|die|how|suicide|take)", "suicide", _L.INTENT_OR_PLAN, "a plan"),
    _p(r"\bplanning (?:to|on) (?:kill(?:ing)? myself|end(?:ing)? (?:it|my life)|tak(?:e|ing) all (?:my|the|of my))", "suicide", _L.INTENT_OR_PLAN, "a plan"),
    _p(r"\b(?:wrote|written|writing|left) (?:a|my) (?:suicide|goodbye) (?:note|letters?)", "suicide", _L.INTENT_OR_PLAN, "a goodbye note"),
    _p(r"\bcounting down (?:the days )?until i (?:can )?(?:finally )?(?:end|die|kill)", "suicide", _L.INTENT_OR_PLAN, "a plan"),
    _p(r"\b(?:until|till) i(?:'m| am)? (?:finally )?(?:able to |brave enough to )?(?:kill myself|end it)", "suicide", _L.INTENT_OR_PLAN, "stated intent"),
    _p(r"\bme voy a (?:matar|suicidar|quitar la vida)|\bvoy a (?:matarme|suicidarme|quitarme la vida|acabar con mi vida)", "suicide", _L.INTENT_OR_PLAN, "stated intent (es)"),
    _p(r"\btengo un plan para (?:matarme|suicidarme|acabar|quitarme)", "suicide", _L.INTENT_OR_PLAN, "a plan (es)"),
    # Ideation with a method.
    _p(r"\b(?:ways?|how|best way|easiest way|painless way|quickest way) (?:to|i could|can i) (?:kill myself|end my life|commit suicide|die painlessly|die quickly)", "suicide", _L.METHOD, "method research"),
    _p(r"\b(?:most )?painless (?:way|method) to (?:die|go)", "suicide", _L.METHOD, "method research"),
    _p(rf"\bhow (?:many|much) {_PILLS}?[^.!?]{{0,25}}(?:to die|to not wake up|to never wake up|would kill (?:me|a person)|to kill myself|to end it)", "suicide", _L.METHOD, "lethal-dose question"),
    _p(r"\b(?:thinking|think|thought) (?:about|of) (?:overdosing|jumping|hanging myself|shooting myself|slitting|cutting my wrists|stepping in front|driving (?:my car )?into)", "suicide", _L.METHOD, "ideation with a method"),
    _p(r"\b(?:using|use) (?:it|the gun|a gun|the knife|the pills) on myself\b", "suicide", _L.METHOD, "ideation with a method"),
    _p(r"\b(?:mix|drink|take) [^.!?]{0,30}to (?:end my life|kill myself|die)\b", "suicide", _L.METHOD, "ideation with a method"),
    _p(r"\bhow high [^.!?]{0,40}(?:to die|you die|sure you die)", "suicide", _L.METHOD, "method research"),
    _p(rf"\b(?:pills?|medications?|{_PILLS}) with (?:vodka|alcohol|whiskey)[^.!?]{{0,20}}(?:friday|tonight|tomorrow|weekend|to die)", "suicide", _L.INTENT_OR_PLAN, "a plan"),
    # Active ideation.
    _p(rf"\b(?:want|wanna|wanted|going|gonna|need|trying|tempted|urge|urges|thinking about|thoughts? (?:about|of)|think about|thought about|considering|fantasi[sz]e about|dream about|wish i had the (?:balls|guts|courage) to) (?:to )?(?:kill(?:ing)? {_ME}|killing myself|end(?:ing)? (?:my life|it all|my own life|things|everything)|tak(?:e|ing) my (?:own )?life|commit(?:ting)? suicide|suicid\w*|suicde|sucide|suiside|unaliv(?:e|ing) myself)", "suicide", _L.ACTIVE_IDEATION, "thoughts of suicide"),
    _p(r"\bi(?:'m| am| feel| have been| have felt|'ve been)(?: really| very| so| kind of| kinda| a bit)? suicidal\b", "suicide", _L.ACTIVE_IDEATION, "says suicidal"),
    _p(r"\bsuicidal (?:thoughts|ideation|feelings)\b", "suicide", _L.ACTIVE_IDEATION, "suicidal thoughts"),
    _p(r"\b(?:kms|kill myself|killing myself|kill meself)\b", "suicide", _L.ACTIVE_IDEATION, "kill myself"),
    _p(r"\b(?:want|wanna|wanted|just want|really want|want so bad) to die\b(?! (?:of|from|laughing|for|in (?:peace|my sleep at \d)))|\bwanna die\b(?! of)", "suicide", _L.ACTIVE_IDEATION, "wants to die"),
    _p(r"\bend(?:ing)? it all\b|\bend my (?:own )?life\b|\btake my (?:own )?life\b", "suicide", _L.ACTIVE_IDEATION, "ending one's life"),
    _p(r"\b(?:me )?quiero (?:morir(?:me)?|matarme|suicidarme)|\bme quiero (?:morir|matar)|\b(?:pensando|pienso|pense|pensaba|he pensado|habia pensado) en (?:matarme|suicidarme|el suicidio|quitarme la vida|quitarme de en medio)|\bquitarme la vida\b|\bacabar con mi vida\b|\bsuicidarme\b|\bquiero acabar con todo\b", "suicide", _L.ACTIVE_IDEATION, "thoughts of suicide (es)"),
    _p(r"\bich will (?:nicht mehr leben|sterben|mich umbringen)|\bje veux (?:mourir|me tuer)|\bquero morrer\b", "suicide", _L.ACTIVE_IDEATION, "thoughts of suicide"),
    # Passive wish to be dead (these phrases carry their own negation): the crisis path too.
    _p(r"\bwish (?:i (?:was|were) dead|i (?:had never been|was never|wasn't|weren't) born|i could (?:just )?(?:die|disappear)|for my death|i would(?:n't)? (?:die|not wake up))", "suicide", _L.PASSIVE_WISH, "wish to be dead", negatable=False),
    _p(r"\b(?:don't|do not|dont|never) want to (?:be alive|live|exist|wake up|be here) ?(?:anymore|any more|again)?", "suicide", _L.PASSIVE_WISH, "no wish to live", negatable=False),
    _p(r"\b(?:hope|hoping|wish) (?:that )?i (?:don't|do not|never|won't) wake up|\bgo to sleep and (?:never|not) wake up|\bsleep forever\b", "suicide", _L.PASSIVE_WISH, "wish not to wake", negatable=False),
    _p(r"\b(?:better off|happier|easier) (?:dead|without me|if i (?:was|were) (?:gone|dead|not here))", "suicide", _L.PASSIVE_WISH, "better off without me", negatable=False),
    _p(r"\bno (?:point|reason|sense) (?:in |to )?(?:living|live|being alive|going on)|\blife (?:isn't|is not|isnt) worth (?:living|it)|\btired of (?:living|being alive|life)\b|\b(?:i'm|i am) done with life\b|\bstop existing\b|\bdisappear forever\b|\brather be dead\b|\bif i die(?:d)? in my sleep\b", "suicide", _L.PASSIVE_WISH, "life not worth living", negatable=False),
    _p(r"\b(?:nobody|no one|noone) would (?:even )?(?:notice|care|miss me) if i (?:died|was gone|disappeared|were gone)", "suicide", _L.PASSIVE_WISH, "no one would miss me", negatable=False),
    # Feeling a burden: a known risk factor, and a patient who says it must reach help.
    _p(r"\b(?:i'?m|i am|i feel(?: like)?(?: i'?m)?|i've become|i have become|being|to be)(?: just| such| only| nothing but| always| a| one)* (?:a )?(?:huge |big |total )?burden\b|\b(?:soy|me siento|ser|siento que soy) (?:solo |nada mas que )?una carga\b", "suicide", _L.PASSIVE_WISH, "feels a burden"),
    _p(r"\bya no quiero (?:vivir|estar aqui|seguir)|\bno quiero (?:vivir|seguir viviendo)\b|\bojala no (?:despertara|despertar)|\bmejor sin mi\b|\bquiero desaparecer\b|\bno le (?:encuentro|veo) sentido a (?:la|mi) vida", "suicide", _L.PASSIVE_WISH, "no wish to live (es)", negatable=False),
    # Non-suicidal self-injury.
    _p(r"\b(?:cut(?:t)?(?:ing|s)?|slic(?:e|ed|ing)|burn(?:ed|t|ing)?|hurt(?:ing)?|harm(?:ed|ing)?|stab(?:bed|bing)?|hit(?:ting)?|punch(?:ed|ing)?|punish(?:ed|ing)?|scratch(?:ed|ing)?|bit(?:e|ing)?|starv(?:e|ed|ing)|injur(?:e|ed|ing)|bruis(?:e|ed|ing)) (?:my ?self|meself)\b", "self_injury", _L.NONE, "self-injury"),
    _p(r"\bi (?:cut|cutt|slice|sliced|burn|burned|burnt|scratch|scratched|carve|carved) (?:my|on my) (?:arms?|wrists?|legs?|thighs?|skin|stomach|hips?)\b", "self_injury", _L.NONE, "self-injury"),
    _p(r"\bself[- ]?(?:harm|harming|harmed|injur\w*|mutilat\w*)\b|\bnssi\b", "self_injury", _L.NONE, "self-harm mentioned"),
    _p(r"\b(?:urge|urges|urge to|want) to (?:cut|self harm|sh|burn myself|hurt myself)\b|\b(?:relapsed?|clean from|stay clean|days clean)\b[^.!?]{0,40}\b(?:cut|cutting|sh|self harm|harm)\b|\b(?:cut|cutting|sh)\b[^.!?]{0,40}\b(?:relapse|clean)\b", "self_injury", _L.NONE, "self-harm urges or relapse"),
    _p(r"\b(?:fresh|deep|my) cuts\b|\bscars? (?:on|from) (?:my )?(?:arms?|wrists?|thighs?|legs?|cutting|self)|\bbloodlet\w*\b", "self_injury", _L.NONE, "self-injury wounds"),
    _p(r"\bi (?:cut|sh)(?: again)?\b(?= (?:again|for|to|when|because|every|last|yesterday|tonight|since))|\bi (?:still|used to|started to|started) (?:cut|sh)\b|\bstarted cutting\b|\bcutting again\b|\bi cut for\b", "self_injury", _L.NONE, "self-injury"),
    _p(r"\b(?:me corto|cortarme|me cortaba|me lastimo|lastimarme|me hago dano|hacerme dano|me he cortado|autolesion\w*)\b", "self_injury", _L.NONE, "self-injury (es)"),
    _p(r"\b(?:flay|gut|impal|mutilat|strangl|chok|drown|poison|whip|carv|brand)\w* (?:my ?self)\b", "self_injury", _L.NONE, "self-injury"),
    _p(r"\bcuts? (?:didn't|don't|did not|do not|never|wouldn't) (?:hurt|bleed|heal|stop)", "self_injury", _L.NONE, "self-injury wounds"),
    _p(r"\bkill\w* (?:\w+ )?(?:including|even|and|then) (?:my ?self|me)\b", "suicide", _L.ACTIVE_IDEATION, "kill myself"),
    # Depiction without a speaker at risk.
    _p(r"\b(?:kill|hurt|harm|starv|cutt|injur)\w* oneself\b|\b(?:thinking|think|fantasi\w+|dream\w*) about (?:being|getting) (?:hurt|killed|dead)", "self_harm_content", _L.NONE, "self-harm depicted"),
    # Eating disorders.
    _p(r"\b(?:anorexi\w*|bulimi\w*|eating disorder|pro-?ana|pro-?mia|binge and purge|binge[- ]purge|purg(?:e|ed|ing) (?:after|food|meals?|everything|it all|again)|(?:i|to) purge\b|make myself (?:throw up|vomit|sick)|laxatives (?:to|every day)|starve myself|not eat(?:ing)? for days)", "eating_disorder", _L.NONE, "eating disorder"),
    _p(r"\bmy ed\b|\bed (?:voice|thoughts|recovery|relapse)\b", "eating_disorder", _L.NONE, "eating disorder"),
    # Preparation that is ambiguous alone and serious in a risky conversation.
    _p(rf"\b(?:saving|saved|stockpil\w*|hoard\w*|collect\w*|stash\w*|guardando|juntando) (?:up )?(?:all )?(?:my |las |mis )?{_PILLS}", "possible_preparation", _L.NONE, "saving pills"),
    _p(r"\b(?:gave|given|giving) away (?:my|all my) (?:things|stuff|belongings)|\bsaid goodbye to (?:my |everyone|everybody)", "possible_preparation", _L.NONE, "putting affairs in order"),
)  # fmt: skip

# Suicide or self-injury by someone else: concern for them, or loss.
_THIRD_PARTY = re.compile(
    r"\b(?:kill(?:ed|ing|s)?|cut(?:s|ting)?|hang(?:ed|s)?|hung|shot|starv(?:e|ing|ed)|overdos\w*) (?:him|her|them)sel(?:f|ves)\b"
    r"|\b(?:wants?|tried|trying|going|threaten\w*|might|will|talk\w* about|said he would|said she would) (?:to )?(?:hurt|harm|kill|cut) (?:him|her|them)sel(?:f|ves)\b"
    r"|\b(?:he|she|they|my (?:son|daughter|kid|child|friend|brother|sister|mom|mother|dad|father|husband|wife|partner|patient|teen|teenager|boyfriend|girlfriend|roommate|student|grandson|granddaughter)) (?:is |was |has been |keeps |says |said |told me |talks about |talked about |threatened |wants |mentioned )(?:to |about |he |she |they )?(?:wants? to die|want to die|suicid\w*|kill(?:ing)? (?:him|her|them)sel\w+|hurt(?:ing)? (?:him|her|them)sel\w+|cutting|self[- ]?harm\w*|not wanting to live)"
    r"|\b(?:committed|died by|death by) suicide\b|\bse (?:suicido|quito la vida)\b|\b(?:mi \w+|el|ella|ellos)(?: \w+)? se (?:corta|lastima)\b|\bquiere (?:suicidarse|matarse|morir)\b"
)  # fmt: skip
_NEGATION = re.compile(
    r"\b(?:not|never|no|don't|dont|do not|didn't|did not|won't|wouldn't|would never|no longer|isn't|ain't|nunca|jamas|nor|without)\b"
    r"(?!\s+(?:every|all\b|always|just|only|sure|even|because|gonna lie|going to lie|to lie|lying))[^.!?,]{0,25}$"
)
# "ya no quiero ser una carga", "i don't want to be a burden anymore": the negation is the
# burden itself, not a denial of it.
_WISH_NOT_TO_BE = re.compile(r"\b(?:no quiero(?: seguir)?|(?:don't|dont|do not) (?:want|wanna)(?: to)?)(?: (?:ser|siendo|be|keep being))?(?: \w+)? $")
_NOT_SUICIDAL = re.compile(
    r"\b(?:i'm|i am|im) not (?:suicidal|going to (?:hurt|kill) myself)|\bno (?:thoughts|plans) of (?:suicide|hurting|killing)|\bno tengo (?:pensamientos|ideas) de"
)
# Someone else's words: a verb of saying, then a third-person subject, then the pattern
# ("my father say every day he want to die", "she tell me she want to die", "my roommate
# said hes gonna kms"). A first-person subject between them keeps the words the
# speaker's ("my bf said if i leave him hell kms"), and so does an instruction with no
# subject of its own ("they told me to kill myself").
_REPORTED = re.compile(
    r"\b(?P<verb>say|says|said|saying|tell|tells|told|telling|talk(?:s|ed|ing)? about|text(?:s|ed)?|post(?:s|ed)?|wrote|writes|disclosed|mentioned|threaten(?:s|ed|ing)?|dice|dijo|dicen)"
    r"(?: to)?(?: (?:me|us))?(?: (?:that|que))?(?: \w+){0,3}? (?:he|she|they|hes|shes|he's|she's|he'd|she'd|hed|shed|they're|theyre|they'd|theyd|he'll|she'll|el|ella)\b"
    r"(?P<between>[^.!?]*)$"
)
# Everyday words a pattern reads as risk, told by what stands beside them: something else
# that will "kill me" ("my boss is gonna kill me", "allergy season is trying to kill me");
# "me quiero morir" with its cause ("de la vergüenza", "con este calor"), never pain;
# dyeing hair; an "overdose" of caffeine or candy; a cut while shaving or cooking.
_KILL_ME = re.compile(r"\bkill(?:ing)? me$")
_SPEAKER_BEFORE = re.compile(r"\b(?:i|i'm|im|i've|ive|i'd|id|i'll|ill)(?: \w+){0,2} $")
_MORIR = re.compile(r"\bmori(?:r|rme)$")
_MORIR_CAUSE_AFTER = re.compile(
    r"^ (?:de|del|con) (?:la |el |los |las |tanta |tanto |este |esta )?(?:verguenza|pena|calor|frio|risa|hambre|sueno|cansancio|aburrimiento|nervios|miedo|asco|tos|envidia|coraje|trafico|gripa|gripe)\b"
)
_MORIR_CAUSE_BEFORE = re.compile(r"\bcon (?:este|esta|tanto|tanta) (?:calor\w*|frio|tos|gripa|gripe|trafico|trabajo|tarea) (?:ya )?$")
_EVERYDAY_AFTER = re.compile(
    r"^ (?:my|her|his|the) hair\b"
    r"|^ on (?:caffeine|coffee|sugar|candy|halloween candy|chocolate|energy drinks?|sweets|junk food|netflix|pizza)\b"
    r"|^ (?:shaving|while (?:shaving|cooking|chopping|cutting)|when i (?:shave|shaved|was (?:shaving|cooking))|cooking|chopping|on (?:a|the) (?:can|glass|lid|knife|paper))\b"
)
_SPEAKER_SUBJECT = re.compile(r"\b(?:i|i'm|im|i've|ive|i'd|i'll|we|yo)\b")
# The ideation belongs to someone generic, not the speaker ("others who may be considering suicide").
_GENERIC_SUBJECT = re.compile(
    r"\b(?:others|people|someone|anyone|those|many|teens|teenagers|patients|students|kids|he|she|they|her|his|their)\b(?: \w+){0,3}? (?:who|that|is|are|was|were|may|might|has|have|had|would)\b[^.!?]{0,30}$"
)
_FIRST_PERSON = re.compile(r"\b(?:i|i'm|im|i've|me|my)\b")
# A dated past as the emergency rail reads it ("in 2009", "back in", "hace como diez años",
# "cuando tenía 16"), but never last week or days ago: an attempt that recent is a
# recent attempt. A year counts only before the current one (``_is_past``).
_PAST = re.compile(
    r"\b(?:years? ago|months ago|long time ago|in the past|used to|when i was (?:a |in |younger|\d)|as a (?:teen|kid|child|teenager)|in (?:high school|college|my (?:teens|twenties))"
    r"|(?:in|back in|since) (?P<year>(?:19|20)\d\d)|back in (?:the day|high school|college)"
    r"|hace (?:como |mas de |unos |casi )?(?:\d+|dos|tres|cuatro|cinco|seis|siete|ocho|nueve|diez|once|doce|quince|veinte|treinta|muchos|varios) (?:anos|meses)"
    r"|(?:\d+|many|several|a few) (?:yrs?|years?|months?) (?:clean|sober|free) (?:from|of)|(?:\d+|many|several) (?:yrs?|years) since (?:my|the) (?:attempt|last)"
    r"|llevo (?:\d+|muchos|varios|dos|tres|cuatro|cinco|seis|siete|ocho|nueve|diez) (?:anos|meses) sin"
    r"|hace (?:muchos|varios|unos) (?:anos|meses)|de (?:joven|adolescente|chiquit[oa])|cuando (?:tenia \d+|era (?:joven|adolescente|chic[oa]))|en (?:el )?(?P<ano>(?:19|20)\d\d))"
)
_RECENT = re.compile(
    r"\b(?:again|last night|yesterday|today|tonight|this (?:morning|week)|right now|just now|an hour ago|minutes ago|last week|currently|still|keep|lately|recently|anoche|ayer|hoy|otra vez)\b"
)
_INFO_QUESTION = re.compile(
    r"\b(?:can (?:you|i|someone|a person) (?:accidentally )?overdose|accidental(?:ly)? overdos\w*|overdos\w* (?:by )?(?:accident|mistake)|by (?:accident|mistake)|how much [^.!?]{0,30}(?:too much|safe|max)|max(?:imum)? (?:daily )?dose|what happens if (?:i|you) (?:take|miss|double)|is it (?:safe|dangerous|ok)|signs of (?:an )?overdose|side effects)"
)
# Ambiguous alone ("tonight is the night" of a recital), serious after earlier risk.
_CONTEXTUAL = re.compile(
    r"\b(?:tonight is the night|today is the day|i(?:'m| am) ready(?: now)?\b|it(?:'s| is| will be) (?:all )?over soon|(?:won't|will not) be (?:around|here) (?:much longer|anymore|tomorrow)|this is (?:my )?goodbye|goodbye (?:everyone|forever|world)|i(?:'ve| have) made (?:up my mind|my decision)|i have everything (?:i need|ready)|(?:no one|nobody) will (?:miss|notice) me|it's time\b|sorry for everything|i can't (?:do this|go on|hold on) (?:anymore|any longer)|take care of my (?:dog|cat|kids|children)|esta noche es la noche|ya (?:lo )?decidi)"
)
_RETRACTION = re.compile(
    r"^\W*(?:jk|j/k|just kidding|never ?mind|nvm|forget it|i was joking|only joking|kidding|lol|i'm fine|im fine|i'm ok|i'm okay|es broma|olvidalo|no importa)\b"
)
# Idioms of exaggeration ("me muero de la vergüenza", "este trabajo me está matando", "i
# could die of embarrassment"). A classifier escalation that rests on one of these alone
# takes the help tier (``_only_figurative``): the message is read again without the idiom,
# and if that still escalates, the idiom explains nothing.
_FIGURATIVE = re.compile(
    r"\bme muero de (?:la |el )?(?:risa|hambre|sueno|frio|calor|verguenza|ganas|aburrimiento|miedo"
    r"|(?:los )?nervios|pena|envidia|cansancio|sed|curiosidad)\b"
    r"|\b(?:el|la|los|las|este|esta|estos|estas|ese|esa|mi|mis) (?:\w+ ){0,2}me (?:esta|estan) matando\b"
    r"|\b(?:die|dying|died) (?:of|from) (?:embarrassment|laughter|laughing|boredom|hunger|curiosity|shame)\b"
)
_CLAUSE = re.compile(r"(?:(?!\bbut\b)[^.!?;\n()])+")


@dataclass(frozen=True)
class _Hit:
    pattern: Pattern
    start: int
    end: int
    qualifier: str  # "", "negated", "history", "third_party", "info"


def _clause_bounds(text: str, start: int) -> tuple[int, int]:
    for m in _CLAUSE.finditer(text):
        if m.start() <= start < m.end():
            return m.start(), m.end()
    return 0, len(text)


def _find_hits(text: str) -> list[_Hit]:
    hits: list[_Hit] = []
    for pattern in PATTERNS:
        for m in pattern.regex.finditer(text):
            c_start, c_end = _clause_bounds(text, m.start())
            clause = text[c_start:c_end]
            before = text[c_start : m.start()]
            qualifier = ""
            if pattern.negatable and (_NEGATION.search(before) or _NOT_SUICIDAL.search(clause)) and not (
                pattern.reason == "feels a burden" and _WISH_NOT_TO_BE.search(before)
            ):
                qualifier = "negated"
            elif _is_past(clause) and not _RECENT.search(clause):
                qualifier = "history"
            elif _is_reported(before, m.group()):
                qualifier = "third_party"
            elif _is_everyday(m.group(), before, text[m.end() : c_end]):
                qualifier = "everyday"
            elif (
                (g := _GENERIC_SUBJECT.search(before))
                and not _FIRST_PERSON.search(before[g.start() :])
                # "they would be better off without me": the phrase names the speaker.
                and not _FIRST_PERSON.search(m.group())
            ):
                qualifier = "generic"
            hits.append(_Hit(pattern, m.start(), m.end(), qualifier))
    return hits


@dataclass(frozen=True)
class _Reading:
    level: RiskLevel
    categories: frozenset[str]
    hits: tuple[_Hit, ...]


def _read(text: str) -> _Reading:
    """Pattern reading of one turn: the live (unqualified) risk level and categories."""
    hits = _find_hits(text)
    live = [h for h in hits if not h.qualifier]
    level = max((h.pattern.level for h in live), default=RiskLevel.NONE)
    cats = {h.pattern.category for h in live}
    return _Reading(level, frozenset(cats), tuple(hits))


def _history_risk(history: tuple[str, ...]) -> tuple[RiskLevel, frozenset[str]]:
    level = RiskLevel.NONE
    cats: set[str] = set()
    for turn in history:
        reading = _read(normalize(turn).text)
        level = max(level, reading.level)
        cats |= reading.categories
    return level, frozenset(cats)


class SelfHarmRail:
    """Suicide and self-harm risk on C-SSRS levels; see the module docstring."""

    name = "self_harm"

    def check(self, text: str, context: RailContext) -> Verdict:
        """Return this rail's Verdict. Raises ClassifierUnavailable when the classifier
        cannot load or run (the runner then fails closed)."""
        norm = context.normalized or normalize(text)
        t = norm.text
        reading = _read(t)
        hits = reading.hits
        live = [h for h in hits if not h.qualifier]
        third_party = _THIRD_PARTY.search(t)
        # A pattern about the self beats a third-party mention in the same message.
        self_live = [h for h in live if not _is_third_party_hit(t, h)]
        history_level, history_cats = _history_risk(context.history)
        prior_open = context.risk.is_open or history_level > RiskLevel.NONE or bool(history_cats)

        evidence = tuple(Evidence(*norm.to_original(h.start, h.end), h.pattern.reason) for h in hits)
        learned = classifier.read(t, context)
        message, window = learned.heads["self_harm"], learned.window
        limits, window_limits = classifier.thresholds("self_harm"), classifier.thresholds("conversation")
        clf = max(message.risk, window.risk if window else 0.0)
        info = bool(_INFO_QUESTION.search(t))

        level = max((h.pattern.level for h in self_live), default=RiskLevel.NONE)
        cats = {h.pattern.category for h in self_live}

        contextual = _CONTEXTUAL.search(t)
        if contextual and prior_open:
            level = max(level, RiskLevel.INTENT_OR_PLAN)
            cats.add("suicide")
            span = norm.to_original(contextual.start(), contextual.end())
            evidence = (*evidence, Evidence(*span, "intent in context of earlier risk"))
        if "possible_preparation" in cats and (prior_open or level > RiskLevel.NONE):
            level = max(level, RiskLevel.METHOD)
            cats.add("suicide")

        current_injury = any(h.pattern.category == "self_injury" and _is_current(t, h) for h in self_live)
        if level > RiskLevel.NONE or current_injury:
            category = "suicide" if level > RiskLevel.NONE else "self_injury"
            score = max(0.9 + 0.02 * int(level), clf, 0.9)
            return Verdict(self.name, Action.ESCALATE, category, min(score, 1.0), level, evidence)
        # Where the precise patterns read the text as negated, past, someone else's, generic
        # or a medicine question, a classifier escalation becomes the help tier instead.
        qualified = [h for h in hits if h.qualifier]
        explained = bool(third_party) or info or bool(qualified)
        window_escalates = bool(window and window.escalate >= window_limits["escalate"])
        learned_escalation = message.escalate >= limits["escalate"] or window_escalates
        if learned_escalation and not explained and not window_escalates:
            explained = _only_figurative(t, limits)
        elif message.escalate >= limits["escalate"] and explained and not info:
            # An old attempt or someone else's words explain the escalation only if the
            # rest of the message, read alone, would not escalate ("in 2009 i tried to
            # hang myself. i bought rope again" keeps the crisis path).
            spans = [_clause_bounds(t, h.start) for h in qualified]
            if third_party:
                spans.append(_clause_bounds(t, third_party.start()))
            explained = not _rest_escalates(t, spans, limits)
        if learned_escalation and not explained:
            return self._learned_escalation(text, context, message, window, limits, level, evidence)
        for cat, base in (
            ("self_injury", 0.8), ("eating_disorder", 0.75), ("possible_preparation", 0.7), ("self_harm_content", 0.7),
        ):  # fmt: skip
            if cat in cats:
                return Verdict(self.name, Action.FLAG, cat, max(base, clf), None, evidence)
        reported = [(h.start, h.end) for h in hits if h.qualifier == "third_party"]
        if third_party:
            reported.insert(0, third_party.span())
        if reported:
            span = norm.to_original(*reported[0])
            return Verdict(
                self.name, Action.FLAG, "third_party", max(0.7, clf), None,
                (*evidence, Evidence(*span, "concern about someone else")),
            )  # fmt: skip
        if any(h.qualifier == "generic" for h in hits):
            return Verdict(self.name, Action.FLAG, "self_harm_content", max(0.65, clf), None, evidence)
        history = [h for h in hits if h.qualifier == "history"]
        if history:
            return Verdict(self.name, Action.FLAG, "history", max(0.6, clf), None, evidence)
        if prior_open and _RETRACTION.search(t):
            # "jk" after a disclosure does not close the risk; a person should look.
            return Verdict(
                self.name, Action.FLAG, "risk_retraction", max(0.5, clf), context.risk.level, evidence
            )
        help_risk = learned.higher("self_harm").risk
        if (
            learned_escalation
            or help_risk >= limits["help"]
            or (window and window.risk >= window_limits["help"])
        ):
            # Any self-harm signal above the low help threshold: gentle support with the
            # crisis lines, and a person looks.
            if not evidence:
                start, end = classifier.carrying_sentence(text, "self_harm", context)
                evidence = (Evidence(start, end, "classifier: possible self-harm risk"),)
            return Verdict(self.name, Action.FLAG, "self_harm", max(clf, help_risk), None, evidence)
        negated = [h for h in hits if h.qualifier == "negated"]
        if negated or info:
            # Negated or informational: allow, and keep the score low so it ranks below
            # real disclosures while staying above plainly unrelated text.
            return Verdict(
                self.name,
                Action.ALLOW,
                "negated" if negated else "medication_question",
                min(clf, 0.45),
                None,
                evidence,
            )
        return Verdict(self.name, Action.ALLOW, "none", clf, None, evidence)

    def _learned_escalation(
        self,
        text: str,
        context: RailContext,
        message: classifier.HeadReading,
        window: classifier.HeadReading | None,
        limits: dict[str, float],
        level: RiskLevel,
        evidence: tuple[Evidence, ...],
    ) -> Verdict:
        """ESCALATE on the classifier's reading of this message, or else of the window
        over the last patient turns. Evidence: the pattern spans if any fired, else the
        sentence that carried the score (or the message, for the window)."""
        on_message = message.escalate >= limits["escalate"]
        carrier = message if on_message else window
        assert carrier is not None  # the caller checked one of the two
        rung = carrier.escalation_class
        level = max(level, classifier.LEVEL_OF[rung])
        category = "self_injury" if rung == "self_injury" and level < RiskLevel.ACTIVE_IDEATION else "suicide"
        if not evidence:
            if on_message:
                span = classifier.carrying_sentence(text, "self_harm", context)
                evidence = (Evidence(*span, f"classifier: {rung.replace('_', ' ')}"),)
            else:
                evidence = (Evidence(0, len(text), "classifier: risk rising over the last turns"),)
        return Verdict(self.name, Action.ESCALATE, category, max(carrier.escalate, 0.9), level, evidence)


def _only_figurative(text: str, limits: dict[str, float]) -> bool:
    """Whether this message's classifier escalation rests on an idiom of exaggeration
    alone: without the idiom, the message (read on its own) no longer escalates."""
    idiom = _FIGURATIVE.search(text)
    return idiom is not None and not _rest_escalates(text, [idiom.span()], limits)


def _rest_escalates(text: str, spans: list[tuple[int, int]], limits: dict[str, float]) -> bool:
    """Whether the message with these spans taken out still escalates, read alone. A rest
    of fewer than two words escalates nothing."""
    from guardrails.language import UNREADABLE

    keep, cursor = [], 0
    for start, end in sorted(spans):
        keep.append(text[cursor : max(cursor, start)])
        cursor = max(cursor, end)
    rest = " ".join(" ".join([*keep, text[cursor:]]).split()).strip(" ,.!?¡¿")
    if len(rest.split()) < 2:
        return False
    # The whole message was read as a language the model knows; a fragment of it must
    # not be taken for another (the classifier stays silent on one), or risk in the
    # fragment would be lost.
    context = RailContext(memo={UNREADABLE: False})
    return classifier.read(rest, context).heads["self_harm"].escalate >= limits["escalate"]


def _is_third_party_hit(text: str, hit: _Hit) -> bool:
    """A hit inside a clause about someone else ("my son wants to kill himself")."""
    c_start, c_end = _clause_bounds(text, hit.start)
    clause = text[c_start:c_end]
    return bool(_THIRD_PARTY.search(clause)) and not re.search(
        r"\b(?:i|i'm|im|i've|me|my ?self)\b(?! (?:think|worry|worried|am worried|found|told|noticed|saw|heard))",
        clause[: hit.start - c_start],
    )


def _is_past(clause: str) -> bool:
    """Whether the clause is dated in the past; a named year only before the current one."""
    for m in _PAST.finditer(clause):
        if clause[: m.start()].endswith("desde "):
            continue  # "desde hace 2 meses": going on since then, not over
        year = m.group("year") or m.group("ano")
        if year is None or int(year) < datetime.date.today().year:
            return True
    return False


def _is_reported(before: str, matched: str) -> bool:
    """Whether a pattern sits inside what someone else said (``_REPORTED``). A phrase that
    names the speaker ("better off without me") stays theirs."""
    if _FIRST_PERSON.search(matched):
        return False
    m = _REPORTED.search(before)
    if m is None or _SPEAKER_SUBJECT.search(m.group("between")):
        return False
    # "i told her she..." is the speaker talking: the verb's own subject is not theirs.
    return not re.search(r"\b(?:i|we)(?: \w+)?\s*$", before[: m.start("verb")])


def _is_everyday(matched: str, before: str, after: str) -> bool:
    """Whether a pattern's words are everyday speech by what stands beside them
    (``_EVERYDAY_AFTER`` and the rest above it)."""
    if _KILL_ME.search(matched) and not _SPEAKER_BEFORE.search(before[-40:]):
        return True
    if _MORIR.search(matched) and (_MORIR_CAUSE_AFTER.search(after) or _MORIR_CAUSE_BEFORE.search(before)):
        return True
    return bool(_EVERYDAY_AFTER.search(after))


def _is_current(text: str, hit: _Hit) -> bool:
    """Self-injury that is happening now or recently, or an urge, told in the first person."""
    c_start, c_end = _clause_bounds(text, hit.start)
    clause = text[c_start:c_end]
    first_person = re.search(r"\b(?:i|i'm|im|i've|ive|me|my ?self|my)\b|\bme\b|\bmis?\b", clause)
    if not first_person:
        return False
    return bool(
        _RECENT.search(clause)
        or re.search(
            r"\b(?:urges?|want to|wanna|going to|gonna|need to|i(?:'m| am) (?:cutting|hurting|burning)|me corto|me lastimo|me hago dano|me quemo)\b",
            clause,
        )
    )
