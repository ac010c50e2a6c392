"""Drug names and clinical words that capitalised notes make look like names or places,
and the outpatient drugs patients name in chat ("the jardiance makes me dizzy").

A hand-written word list (kept as a module so it ships in every install without package
data). Lowercase, one or more per line; used by `lexicon.medical_terms`.
"""

WORDS = """
acetaminophen tylenol motrin ibuprofen advil aleve naproxen aspirin asa toradol ketorolac
morphine dilaudid hydromorphone fentanyl oxycodone percocet vicodin codeine tramadol methadone
demerol meperidine ativan lorazepam valium diazepam versed midazolam xanax alprazolam klonopin
haldol haloperidol seroquel quetiapine zyprexa olanzapine risperdal risperidone propofol diprivan
precedex dexmedetomidine ambien zolpidem benadryl diphenhydramine phenergan promethazine zofran
ondansetron reglan metoclopramide compazine lasix furosemide bumex bumetanide aldactone
spironolactone hctz diuril chlorothiazide metolazone zaroxolyn lopressor metoprolol toprol
atenolol carvedilol coreg labetalol esmolol propranolol inderal captopril enalapril lisinopril
vasotec zestril losartan cozaar valsartan norvasc amlodipine diltiazem cardizem verapamil
nifedipine procardia hydralazine apresoline clonidine catapres nitroglycerin ntg nitro nitropaste
isordil imdur nipride nitroprusside digoxin lanoxin amiodarone cordarone lidocaine procainamide
adenosine dopamine dobutamine levophed norepinephrine neosynephrine neo phenylephrine epinephrine
vasopressin pitressin milrinone primacor natrecor nesiritide heparin lovenox enoxaparin
coumadin warfarin plavix clopidogrel integrilin eptifibatide reopro abciximab aggrastat tpa
alteplase argatroban lepirudin insulin lantus glargine humalog novolog nph glucophage
metformin glipizide glyburide actos avandia solumedrol methylprednisolone prednisone
hydrocortisone solucortef decadron dexamethasone synthroid levothyroxine protonix pantoprazole
prilosec omeprazole nexium pepcid famotidine zantac ranitidine carafate sucralfate colace
senna dulcolax bisacodyl lactulose miralax fleet kayexalate mylanta maalox simethicone
vancomycin vanco zosyn piperacillin tazobactam unasyn ampicillin amoxicillin augmentin
penicillin nafcillin oxacillin cefazolin ancef ceftriaxone rocephin cefepime maxipime
ceftazidime fortaz cefuroxime keflex cephalexin imipenem primaxin meropenem merrem aztreonam
gentamicin tobramycin amikacin levaquin levofloxacin cipro ciprofloxacin moxifloxacin avelox
flagyl metronidazole bactrim clindamycin cleocin azithromycin zithromax erythromycin doxycycline
linezolid zyvox daptomycin cubicin rifampin fluconazole diflucan voriconazole ambisome
amphotericin caspofungin acyclovir ganciclovir tamiflu albuterol ventolin atrovent ipratropium
combivent xopenex flovent advair spiriva pulmicort mucomyst theophylline aminophylline
dilantin phenytoin fosphenytoin keppra levetiracetam depakote tegretol neurontin gabapentin
lyrica phenobarbital cogentin sinemet aricept namenda zoloft sertraline prozac fluoxetine
paxil celexa lexapro effexor wellbutrin trazodone elavil remeron lithium cymbalta lipitor
atorvastatin zocor simvastatin pravachol crestor zetia tricor niacin potassium kcl magnesium
calcium phosphate neutraphos bicarbonate bicarb albumin ffp cryo platelets prbc prbcs
tpn ppn peptamen jevity promote nepro glucerna ensure boost pulmocare impact vivonex osmolite
nutren replete novasource respalor probalance fibersource isosource nimbex cisatracurium
vecuronium pancuronium rocuronium succinylcholine etomidate ketamine narcan naloxone flumazenil
romazicon mannitol dextrose d5w d50 normal saline ringers lactated epogen procrit neupogen
vitamin thiamine folate folic multivitamin mvi zinc iron ferrous trental pentoxifylline
allopurinol colchicine flomax tamsulosin proscar ditropan detrol pyridium bactroban nystatin
mycostatin silvadene xeroform duoderm aquacel accuchecks accucheck fingerstick
ativan cvvh cvvhd crrt hemodialysis dialysis ercp egd tee tte echo cabg ptca pci avr mvr
iabp picc swan cordis hickman quinton groshong trach peg ngt ogt dobhoff foley rectal flexiseal
bipap cpap vent simv prvc aprv psv peep propafol prpafol levo dopa neo vaso dobut nitro
micu sicu ccu csru ctic pacu nicu picu cvicu stepdown telemetry tele rehab ortho neuro pulm
gi gu id heme onc renal endo derm psych cards ent obgyn urology
labs sats lytes abg vbg cbc bmp chem coags ptt inr bnp troponin cpk ck ckmb lactate
hct hgb wbc plt bun creat glucose trop
rales rhonchi wheezes crackles edema diaphoretic lethargic alert oriented afebrile tachy
brady sinus rhythm afib aflutter nsr pvcs pacs vfib vtach asystole pea
jardiance farxiga invokana januvia janumet trulicity ozempic wegovy mounjaro victoza byetta
rybelsus tresiba toujeo levemir basaglar humulin novolin admelog fiasp glimepiride
pioglitazone sitagliptin empagliflozin dapagliflozin semaglutide dulaglutide liraglutide
tirzepatide eliquis xarelto pradaxa brilinta apixaban rivaroxaban entresto olmesartan benicar
irbesartan avapro telmisartan micardis diovan hyzaar ramipril altace benazepril lotensin
quinapril bystolic nebivolol chlorthalidone triamterene maxzide dyazide rosuvastatin
pravastatin lovastatin ezetimibe repatha praluent fenofibrate gemfibrozil humira enbrel
stelara skyrizi dupixent cosentyx taltz otezla xeljanz rinvoq methotrexate plaquenil
hydroxychloroquine prolia forteo fosamax alendronate boniva vyvanse adderall ritalin concerta
focalin strattera intuniv guanfacine methylphenidate amphetamine abilify aripiprazole latuda
lamictal lamotrigine topamax topiramate trileptal oxcarbazepine buspirone buspar hydroxyzine
vistaril atarax mirtazapine duloxetine venlafaxine escitalopram citalopram paroxetine
bupropion pristiq desvenlafaxine trintellix viibryd suboxone subutex buprenorphine naltrexone
vivitrol chantix varenicline montelukast singulair symbicort breo trelegy anoro incruse
dulera qvar proair proventil budesonide fluticasone flonase nasacort zyrtec cetirizine
claritin loratadine xyzal fexofenadine sudafed mucinex dayquil nyquil robitussin pepto
imodium tums esomeprazole lansoprazole prevacid dexilant linzess amitiza meclizine antivert
cyclobenzaprine flexeril tizanidine zanaflex baclofen robaxin methocarbamol meloxicam mobic
celebrex celecoxib diclofenac voltaren excedrin sumatriptan imitrex rizatriptan maxalt
nurtec ubrelvy aimovig emgality botox tamoxifen letrozole anastrozole arimidex keytruda
opdivo xtandi zytiga finasteride cialis viagra sildenafil tadalafil oxybutynin myrbetriq
vesicare nitrofurantoin macrobid cefdinir omnicef valacyclovir valtrex paxlovid biktarvy
truvada descovy estradiol premarin provera nexplanon mirena
""".split()
