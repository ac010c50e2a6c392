"""Word lists the output rails share: stop words, clinically loaded tokens, cue phrases.

Kept as plain data so a clinician can review them in one place. The drug list is a
short, common-outpatient list, not a formulary: the grounding rail uses it only to
notice a *named* medicine that the passages never mention.
"""

from __future__ import annotations

import re

STOP_WORDS = frozenset(
    """
    a an the of in on at to for and or but with by from as is are was were be been being
    this that these those it its their there which who whom what when where why how than
    then also may might can could should would will shall do does did has have had our we
    you your yours i me my he she his her they them us if so such into about over under
    more most less some any all each other both very just only own same too s t
    """.split()
)

# Words that flip a claim. Why a word list: "do not take" vs "take" must never be
# treated as agreement just because the other words match.
NEGATIONS = frozenset(
    "not no never none nor neither without cannot can't don't doesn't didn't isn't aren't "
    "wasn't weren't won't shouldn't avoid stop lack absence fail failed".split()
)

# Opposite directions: an answer saying "increases" where the passage says "decreases".
DIRECTION_PAIRS: tuple[tuple[frozenset[str], frozenset[str]], ...] = (
    (
        frozenset(
            "increase increases increased increasing raise raises raised higher more greater rise rises elevated".split()
        ),
        frozenset(
            "decrease decreases decreased decreasing lower lowers lowered reduce reduces reduced reducing less fewer drop drops".split()
        ),
    ),
    (
        frozenset("improve improves improved improving better benefit benefits beneficial".split()),
        frozenset("worsen worsens worsened worsening worse harm harms harmful".split()),
    ),
    # Position: "3 cm below the margin" where the study measured above it.
    (frozenset("above".split()), frozenset("below beneath".split())),
    (frozenset("proximal".split()), frozenset("distal".split())),
)

# An answer asserting an effect, and a passage reporting none: a contradiction cue.
EFFECT_CLAIM = re.compile(
    r"\b(significant(?:ly)?|improv\w*|increas\w*|decreas\w*|reduc\w*|higher|lower|greater|"
    r"better|worse|enhanc\w*|effective|superior|inferior|predict\w*|associated|correlat\w*)\b",
    re.IGNORECASE,
)
NULL_FINDING = re.compile(
    r"\b(no (?:statistically )?significant|not (?:statistically )?significant(?:ly)?|did not|"
    r"does not|was not|were not|no (?:difference|association|correlation|effect|benefit)|"
    r"not associated|failed to|similar|comparable)\b",
    re.IGNORECASE,
)

UNITS = frozenset(
    "mg mcg µg ug g kg ml ml l iu units unit mmol mmhg mg/dl mmol/l % percent tablet tablets "
    "pill pills capsule capsules puff puffs drop drops dose doses".split()
)

FREQUENCIES = frozenset("daily nightly weekly monthly hourly once twice thrice bid tid qid prn".split())

# Common medicines a patient chatbot is likely to name. Lower-case generic and brand names.
DRUGS = frozenset(
    """
    acetaminophen paracetamol tylenol ibuprofen advil motrin naproxen aleve aspirin
    diclofenac celecoxib tramadol oxycodone hydrocodone morphine codeine fentanyl
    metformin glipizide glyburide insulin sitagliptin empagliflozin dapagliflozin
    semaglutide liraglutide ozempic jardiance januvia lisinopril enalapril ramipril
    losartan valsartan amlodipine nifedipine diltiazem verapamil metoprolol atenolol
    carvedilol propranolol hydrochlorothiazide chlorthalidone furosemide lasix
    spironolactone atorvastatin simvastatin rosuvastatin pravastatin lipitor crestor
    warfarin coumadin apixaban eliquis rivaroxaban xarelto dabigatran clopidogrel
    plavix heparin enoxaparin digoxin amiodarone nitroglycerin levothyroxine synthroid
    prednisone prednisolone methylprednisolone dexamethasone hydrocortisone
    amoxicillin augmentin azithromycin doxycycline cephalexin ciprofloxacin
    levofloxacin nitrofurantoin metronidazole clindamycin penicillin vancomycin
    fluconazole acyclovir valacyclovir oseltamivir tamiflu paxlovid sertraline
    zoloft fluoxetine prozac citalopram escitalopram lexapro paroxetine venlafaxine
    duloxetine bupropion mirtazapine trazodone amitriptyline nortriptyline lithium
    quetiapine olanzapine risperidone aripiprazole haloperidol lorazepam alprazolam
    xanax diazepam clonazepam zolpidem ambien melatonin gabapentin pregabalin
    levetiracetam lamotrigine valproate carbamazepine phenytoin topiramate
    omeprazole pantoprazole esomeprazole famotidine ranitidine ondansetron
    metoclopramide loperamide docusate senna bisacodyl polyethylene albuterol
    salbutamol fluticasone budesonide montelukast tiotropium cetirizine loratadine
    diphenhydramine benadryl pseudoephedrine methotrexate hydroxychloroquine
    allopurinol colchicine tamsulosin finasteride sildenafil tadalafil estradiol
    progesterone testosterone alendronate epinephrine epipen naloxone narcan
    buprenorphine methadone nicotine varenicline
    """.split()
)

# Sentences that make no medical claim: courtesy, navigation, and safety-netting.
# Why patterns and not a classifier: these are the phrases our own templates and
# system prompt ask the model to use, so the list is short and reviewable.
NON_CLAIM_PATTERNS = tuple(
    re.compile(p, re.IGNORECASE)
    for p in (
        r"^(hi|hello|thanks|thank you|you're welcome|i hope|i'm sorry|sorry|great question|good question)\b",
        r"\b(contact|call|ask|talk to|speak (?:to|with)|reach|message) (?:your|a|the) "
        r"(?:care team|doctor|nurse|pharmacist|provider|clinic|gp|physician|health ?care)",
        r"\b(call|dial) (?:911|999|112|988|emergency services)\b",
        r"\b(i (?:don't|do not) have|i can't|i cannot|i am not able|i'm not able|i'm an ai|as an ai)\b",
        r"\b(you asked|your question|let me know|feel free|is there anything else|hope this helps)\b",
        r"\b(this (?:is|isn't|is not) (?:medical advice|a diagnosis))\b",
        r"\b(the (?:sources?|passages?|articles?) (?:do(?:es)?n't|do(?:es)? not) (?:cover|say|mention))\b",
    )
)
