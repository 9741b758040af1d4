import { seededRandom } from '../test/support/seeded-random.ts';

/**
 * A deterministic corpus of (candidate, reference) sentence pairs for the metric benchmarks: no
 * downloads, the same pairs for the same seed on every machine.
 *
 * References are single English sentences of 8–30 words from a small grammar (subject, verb in
 * one of several tenses, object, prepositional phrases, a second clause, an opening adverbial)
 * over a vocabulary of common words in their inflected forms (plurals, -s/-ed/-ing, irregular
 * pasts, comparatives), with commas, contractions, possessives, numbers and the odd quotation.
 * Candidates are edits of their reference, as a model's answer differs from a gold answer:
 * synonym substitutions (words WordNet relates, so METEOR's synonym stage finds them), changed
 * inflections (METEOR's stem stage), deletions, insertions, a moved phrase, punctuation and case.
 * The edit rate varies per pair, so scores spread over [0, 1]; a few candidates are exact copies
 * and a few are unrelated sentences.
 *
 * Every text is one sentence with no abbreviation, so nltk's `sent_tokenize` would not split it:
 * `word_tokenize(text)` and `word_tokenize(text, preserve_line=True)` give the same tokens.
 */

export interface SentencePair {
  candidate: string;
  reference: string;
}

type Rng = () => number;

const pick = <T>(rng: Rng, list: readonly T[]): T => list[Math.floor(rng() * list.length)] as T;
const chance = (rng: Rng, p: number): boolean => rng() < p;
const between = (rng: Rng, lo: number, hi: number): number => lo + Math.floor(rng() * (hi - lo + 1));

// ------------------------------------------------------------------------------------ vocabulary
// Each inner list is a group of synonyms (as WordNet has them: the members share a synset);
// each word is given in all its forms, in a fixed order per part of speech.

/** base, 3rd person singular, past, past participle, -ing. All transitive. */
type VerbForms = readonly [base: string, s: string, past: string, participle: string, ing: string];
const VERB_GROUPS: readonly (readonly VerbForms[])[] = [
  [['start', 'starts', 'started', 'started', 'starting'], ['begin', 'begins', 'began', 'begun', 'beginning'], ['commence', 'commences', 'commenced', 'commenced', 'commencing']],
  [['buy', 'buys', 'bought', 'bought', 'buying'], ['purchase', 'purchases', 'purchased', 'purchased', 'purchasing']],
  [['help', 'helps', 'helped', 'helped', 'helping'], ['assist', 'assists', 'assisted', 'assisted', 'assisting'], ['aid', 'aids', 'aided', 'aided', 'aiding']],
  [['show', 'shows', 'showed', 'shown', 'showing'], ['display', 'displays', 'displayed', 'displayed', 'displaying'], ['exhibit', 'exhibits', 'exhibited', 'exhibited', 'exhibiting']],
  [['answer', 'answers', 'answered', 'answered', 'answering'], ['reply', 'replies', 'replied', 'replied', 'replying'], ['respond', 'responds', 'responded', 'responded', 'responding']],
  [['make', 'makes', 'made', 'made', 'making'], ['create', 'creates', 'created', 'created', 'creating'], ['produce', 'produces', 'produced', 'produced', 'producing']],
  [['get', 'gets', 'got', 'gotten', 'getting'], ['obtain', 'obtains', 'obtained', 'obtained', 'obtaining'], ['acquire', 'acquires', 'acquired', 'acquired', 'acquiring']],
  [['use', 'uses', 'used', 'used', 'using'], ['employ', 'employs', 'employed', 'employed', 'employing'], ['utilize', 'utilizes', 'utilized', 'utilized', 'utilizing']],
  [['need', 'needs', 'needed', 'needed', 'needing'], ['require', 'requires', 'required', 'required', 'requiring']],
  [['choose', 'chooses', 'chose', 'chosen', 'choosing'], ['select', 'selects', 'selected', 'selected', 'selecting'], ['pick', 'picks', 'picked', 'picked', 'picking']],
  [['finish', 'finishes', 'finished', 'finished', 'finishing'], ['complete', 'completes', 'completed', 'completed', 'completing'], ['end', 'ends', 'ended', 'ended', 'ending']],
  [['build', 'builds', 'built', 'built', 'building'], ['construct', 'constructs', 'constructed', 'constructed', 'constructing']],
  [['fix', 'fixes', 'fixed', 'fixed', 'fixing'], ['repair', 'repairs', 'repaired', 'repaired', 'repairing'], ['mend', 'mends', 'mended', 'mended', 'mending']],
  [['change', 'changes', 'changed', 'changed', 'changing'], ['alter', 'alters', 'altered', 'altered', 'altering'], ['modify', 'modifies', 'modified', 'modified', 'modifying']],
  [['improve', 'improves', 'improved', 'improved', 'improving'], ['better', 'betters', 'bettered', 'bettered', 'bettering'], ['enhance', 'enhances', 'enhanced', 'enhanced', 'enhancing']],
  [['reduce', 'reduces', 'reduced', 'reduced', 'reducing'], ['cut', 'cuts', 'cut', 'cut', 'cutting'], ['lower', 'lowers', 'lowered', 'lowered', 'lowering']],
  [['increase', 'increases', 'increased', 'increased', 'increasing'], ['raise', 'raises', 'raised', 'raised', 'raising'], ['boost', 'boosts', 'boosted', 'boosted', 'boosting']],
  [['examine', 'examines', 'examined', 'examined', 'examining'], ['inspect', 'inspects', 'inspected', 'inspected', 'inspecting'], ['check', 'checks', 'checked', 'checked', 'checking']],
  [['find', 'finds', 'found', 'found', 'finding'], ['discover', 'discovers', 'discovered', 'discovered', 'discovering'], ['detect', 'detects', 'detected', 'detected', 'detecting']],
  [['write', 'writes', 'wrote', 'written', 'writing'], ['compose', 'composes', 'composed', 'composed', 'composing'], ['draft', 'drafts', 'drafted', 'drafted', 'drafting']],
  [['see', 'sees', 'saw', 'seen', 'seeing'], ['watch', 'watches', 'watched', 'watched', 'watching'], ['observe', 'observes', 'observed', 'observed', 'observing']],
  [['keep', 'keeps', 'kept', 'kept', 'keeping'], ['retain', 'retains', 'retained', 'retained', 'retaining'], ['hold', 'holds', 'held', 'held', 'holding']],
  [['understand', 'understands', 'understood', 'understood', 'understanding'], ['grasp', 'grasps', 'grasped', 'grasped', 'grasping'], ['comprehend', 'comprehends', 'comprehended', 'comprehended', 'comprehending']],
  [['send', 'sends', 'sent', 'sent', 'sending'], ['mail', 'mails', 'mailed', 'mailed', 'mailing'], ['post', 'posts', 'posted', 'posted', 'posting']],
  [['prepare', 'prepares', 'prepared', 'prepared', 'preparing'], ['ready', 'readies', 'readied', 'readied', 'readying'], ['organize', 'organizes', 'organized', 'organized', 'organizing']],
  [['review', 'reviews', 'reviewed', 'reviewed', 'reviewing'], ['study', 'studies', 'studied', 'studied', 'studying'], ['analyze', 'analyzes', 'analyzed', 'analyzed', 'analyzing']],
  [['take', 'takes', 'took', 'taken', 'taking'], ['carry', 'carries', 'carried', 'carried', 'carrying'], ['bring', 'brings', 'brought', 'brought', 'bringing']],
  [['love', 'loves', 'loved', 'loved', 'loving'], ['enjoy', 'enjoys', 'enjoyed', 'enjoyed', 'enjoying'], ['like', 'likes', 'liked', 'liked', 'liking']],
];

/** singular, plural. */
type NounForms = readonly [singular: string, plural: string];
const NOUN_GROUPS: readonly (readonly NounForms[])[] = [
  [['car', 'cars'], ['automobile', 'automobiles'], ['auto', 'autos']],
  [['house', 'houses'], ['home', 'homes'], ['dwelling', 'dwellings']],
  [['child', 'children'], ['kid', 'kids'], ['youngster', 'youngsters']],
  [['doctor', 'doctors'], ['physician', 'physicians'], ['medico', 'medicos']],
  [['movie', 'movies'], ['film', 'films'], ['picture', 'pictures']],
  [['city', 'cities'], ['town', 'towns'], ['village', 'villages']],
  [['road', 'roads'], ['street', 'streets'], ['route', 'routes']],
  [['student', 'students'], ['pupil', 'pupils'], ['learner', 'learners']],
  [['company', 'companies'], ['firm', 'firms'], ['business', 'businesses']],
  [['problem', 'problems'], ['issue', 'issues'], ['trouble', 'troubles']],
  [['result', 'results'], ['outcome', 'outcomes'], ['consequence', 'consequences']],
  [['plan', 'plans'], ['scheme', 'schemes'], ['program', 'programs']],
  [['photo', 'photos'], ['photograph', 'photographs'], ['image', 'images']],
  [['shop', 'shops'], ['store', 'stores'], ['market', 'markets']],
  [['trip', 'trips'], ['journey', 'journeys'], ['voyage', 'voyages']],
  [['gift', 'gifts'], ['present', 'presents'], ['donation', 'donations']],
  [['error', 'errors'], ['mistake', 'mistakes'], ['fault', 'faults']],
  [['report', 'reports'], ['account', 'accounts'], ['study', 'studies']],
  [['teacher', 'teachers'], ['instructor', 'instructors'], ['educator', 'educators']],
  [['team', 'teams'], ['group', 'groups'], ['squad', 'squads']],
  [['idea', 'ideas'], ['notion', 'notions'], ['thought', 'thoughts']],
  [['method', 'methods'], ['approach', 'approaches'], ['technique', 'techniques']],
  [['price', 'prices'], ['cost', 'costs'], ['charge', 'charges']],
  [['question', 'questions'], ['query', 'queries'], ['inquiry', 'inquiries']],
  [['rule', 'rules'], ['regulation', 'regulations'], ['law', 'laws']],
  [['area', 'areas'], ['region', 'regions'], ['zone', 'zones']],
  [['man', 'men'], ['person', 'people'], ['individual', 'individuals']],
  [['woman', 'women'], ['lady', 'ladies'], ['adult', 'adults']],
  [['book', 'books'], ['volume', 'volumes'], ['text', 'texts']],
  [['job', 'jobs'], ['task', 'tasks'], ['chore', 'chores']],
  [['box', 'boxes'], ['package', 'packages'], ['parcel', 'parcels']],
  [['week', 'weeks'], ['month', 'months'], ['year', 'years']],
  [['machine', 'machines'], ['device', 'devices'], ['engine', 'engines']],
  [['letter', 'letters'], ['message', 'messages'], ['note', 'notes']],
  [['leaf', 'leaves'], ['branch', 'branches'], ['tree', 'trees']],
];

/** base, comparative, superlative. */
type AdjectiveForms = readonly [base: string, comparative: string, superlative: string];
const ADJECTIVE_GROUPS: readonly (readonly AdjectiveForms[])[] = [
  [['big', 'bigger', 'biggest'], ['large', 'larger', 'largest'], ['huge', 'huger', 'hugest']],
  [['small', 'smaller', 'smallest'], ['little', 'littler', 'littlest'], ['tiny', 'tinier', 'tiniest']],
  [['quick', 'quicker', 'quickest'], ['fast', 'faster', 'fastest'], ['rapid', 'rapider', 'rapidest']],
  [['happy', 'happier', 'happiest'], ['glad', 'gladder', 'gladdest'], ['cheerful', 'more cheerful', 'most cheerful']],
  [['smart', 'smarter', 'smartest'], ['clever', 'cleverer', 'cleverest'], ['bright', 'brighter', 'brightest']],
  [['hard', 'harder', 'hardest'], ['difficult', 'more difficult', 'most difficult'], ['tough', 'tougher', 'toughest']],
  [['easy', 'easier', 'easiest'], ['simple', 'simpler', 'simplest'], ['plain', 'plainer', 'plainest']],
  [['old', 'older', 'oldest'], ['ancient', 'more ancient', 'most ancient'], ['aged', 'more aged', 'most aged']],
  [['new', 'newer', 'newest'], ['fresh', 'fresher', 'freshest'], ['novel', 'more novel', 'most novel']],
  [['important', 'more important', 'most important'], ['significant', 'more significant', 'most significant'], ['crucial', 'more crucial', 'most crucial']],
  [['beautiful', 'more beautiful', 'most beautiful'], ['pretty', 'prettier', 'prettiest'], ['lovely', 'lovelier', 'loveliest']],
  [['strange', 'stranger', 'strangest'], ['odd', 'odder', 'oddest'], ['unusual', 'more unusual', 'most unusual']],
  [['quiet', 'quieter', 'quietest'], ['silent', 'more silent', 'most silent'], ['calm', 'calmer', 'calmest']],
  [['angry', 'angrier', 'angriest'], ['mad', 'madder', 'maddest'], ['furious', 'more furious', 'most furious']],
  [['correct', 'more correct', 'most correct'], ['right', 'righter', 'rightest'], ['accurate', 'more accurate', 'most accurate']],
  [['rich', 'richer', 'richest'], ['wealthy', 'wealthier', 'wealthiest'], ['affluent', 'more affluent', 'most affluent']],
  [['sick', 'sicker', 'sickest'], ['ill', 'iller', 'illest'], ['unwell', 'more unwell', 'most unwell']],
  [['cheap', 'cheaper', 'cheapest'], ['inexpensive', 'less expensive', 'least expensive'], ['low-cost', 'lower-cost', 'lowest-cost']],
  [['busy', 'busier', 'busiest'], ['occupied', 'more occupied', 'most occupied'], ['engaged', 'more engaged', 'most engaged']],
  [['careful', 'more careful', 'most careful'], ['cautious', 'more cautious', 'most cautious'], ['thorough', 'more thorough', 'most thorough']],
];

const ADVERB_GROUPS: readonly (readonly string[])[] = [
  ['quickly', 'rapidly', 'speedily'],
  ['often', 'frequently', 'oftentimes'],
  ['carefully', 'cautiously', 'attentively'],
  ['probably', 'likely', 'presumably'],
  ['almost', 'nearly', 'virtually'],
  ['usually', 'normally', 'generally'],
  ['suddenly', 'abruptly', 'unexpectedly'],
  ['finally', 'eventually', 'ultimately'],
  ['really', 'truly', 'genuinely'],
  ['quietly', 'silently', 'softly'],
  ['completely', 'entirely', 'wholly'],
];

const SUBJECT_PRONOUNS: readonly (readonly [pronoun: string, singular: boolean])[] = [
  ['I', false], ['we', false], ['they', false], ['you', false], ['she', true], ['he', true], ['it', true],
];
const DETERMINERS_ANY = ['the', 'the', 'the', 'this', 'that', 'our', 'their', 'his', 'her', 'my', 'your'];
const DETERMINERS_SINGULAR = ['a', 'every', 'one', 'each', 'another'];
const DETERMINERS_PLURAL = ['some', 'several', 'many', 'these', 'those', 'most', 'a few', 'two', 'three', 'all the'];
const PREPOSITIONS = ['in', 'on', 'at', 'near', 'after', 'before', 'during', 'with', 'without', 'from', 'for', 'about', 'across', 'through', 'behind', 'under', 'over', 'between'];
const CONJUNCTIONS = ['and', 'but', 'because', 'while', 'although', 'when', 'so', 'since', 'until', 'after', 'before'];
const OPENERS = ['However', 'In the end', 'Last week', 'Yesterday', 'For example', 'In fact', 'Meanwhile', 'Fortunately', 'Unfortunately', 'At first', 'In 2019', 'On Monday', 'As expected', 'Of course'];
const FILLERS = ['very', 'quite', 'just', 'still', 'even', 'also', 'only', 'then', 'already', 'perhaps', 'rather', 'the', 'a', 'of', 'that', 'some', 'again'];
const ALL_ADVERBS: readonly string[] = ADVERB_GROUPS.flat();
const TERMINALS: readonly string[] = ['.', '!', '?'];
const PUNCTUATION = new Set([',', '.', '!', '?', ';', ':', "'s", "n't", '"']);

type Slot = { kind: 'verb' | 'noun' | 'adjective' | 'adverb'; group: number; member: number; form: number };

/** Every form → where it lives (the first place, when a spelling appears twice). */
const SLOTS = new Map<string, Slot>();
const register = (kind: Slot['kind'], groups: readonly (readonly (readonly string[])[])[]): void => {
  groups.forEach((group, g) =>
    group.forEach((forms, m) =>
      forms.forEach((form, f) => {
        if (!SLOTS.has(form)) SLOTS.set(form, { kind, group: g, member: m, form: f });
      }),
    ),
  );
};
register('verb', VERB_GROUPS);
register('noun', NOUN_GROUPS);
register('adjective', ADJECTIVE_GROUPS);
register(
  'adverb',
  ADVERB_GROUPS.map((group) => group.map((word) => [word])),
);

const formsOf = (slot: Slot): readonly string[] => {
  switch (slot.kind) {
    case 'verb':
      return VERB_GROUPS[slot.group]?.[slot.member] ?? [];
    case 'noun':
      return NOUN_GROUPS[slot.group]?.[slot.member] ?? [];
    case 'adjective':
      return ADJECTIVE_GROUPS[slot.group]?.[slot.member] ?? [];
    case 'adverb':
      return [ADVERB_GROUPS[slot.group]?.[slot.member] ?? ''];
  }
};
const groupOf = (slot: Slot): readonly (readonly string[])[] => {
  switch (slot.kind) {
    case 'verb':
      return VERB_GROUPS[slot.group] ?? [];
    case 'noun':
      return NOUN_GROUPS[slot.group] ?? [];
    case 'adjective':
      return ADJECTIVE_GROUPS[slot.group] ?? [];
    case 'adverb':
      return (ADVERB_GROUPS[slot.group] ?? []).map((w) => [w]);
  }
};

// ---------------------------------------------------------------------------------- the grammar

/** A sentence as tokens: words and punctuation separate, multi-word forms ("more careful") kept as one token. */
type Tokens = string[];

const member = <T>(rng: Rng, groups: readonly (readonly T[])[]): T => pick(rng, pick(rng, groups));

function nounPhrase(rng: Rng, out: Tokens): boolean {
  const plural = chance(rng, 0.4);
  if (plural) {
    if (chance(rng, 0.7)) out.push(...pick(rng, chance(rng, 0.5) ? DETERMINERS_ANY : DETERMINERS_PLURAL).split(' '));
  } else out.push(...pick(rng, chance(rng, 0.6) ? DETERMINERS_ANY : DETERMINERS_SINGULAR).split(' '));
  const adjectives = chance(rng, 0.5) ? (chance(rng, 0.25) ? 2 : 1) : 0;
  for (let i = 0; i < adjectives; i++) {
    const forms = member(rng, ADJECTIVE_GROUPS);
    out.push(forms[chance(rng, 0.15) ? 1 : 0]);
  }
  const noun = member(rng, NOUN_GROUPS);
  out.push(noun[plural ? 1 : 0]);
  return !plural;
}

/** Determiners that make "the man's report" awkward are fine here: this is test data. */
function subject(rng: Rng, out: Tokens): boolean {
  if (chance(rng, 0.35)) {
    const [pronoun, singular] = pick(rng, SUBJECT_PRONOUNS);
    out.push(pronoun);
    return singular;
  }
  const singular = nounPhrase(rng, out);
  if (chance(rng, 0.1)) {
    out.push("'s");
    return nounPhrase(rng, out);
  }
  return singular;
}

function verbPhrase(rng: Rng, singular: boolean, out: Tokens): void {
  const verb = member(rng, VERB_GROUPS);
  const tense = rng();
  if (chance(rng, 0.2)) out.push(pick(rng, ALL_ADVERBS));
  if (tense < 0.35) out.push(verb[2]);
  else if (tense < 0.55) out.push(singular ? verb[1] : verb[0]);
  else if (tense < 0.68) out.push(singular ? 'is' : 'are', verb[4]);
  else if (tense < 0.78) out.push(singular ? 'was' : 'were', verb[4]);
  else if (tense < 0.88) out.push('will', verb[0]);
  else if (tense < 0.95) out.push(singular ? 'has' : 'have', verb[3]);
  else out.push(singular ? 'does' : 'do', "n't", verb[0]);
}

function clause(rng: Rng, out: Tokens): void {
  const singular = subject(rng, out);
  verbPhrase(rng, singular, out);
  nounPhrase(rng, out);
  if (chance(rng, 0.15)) out.push(pick(rng, ALL_ADVERBS));
}

function prepositionalPhrase(rng: Rng, out: Tokens): void {
  out.push(pick(rng, PREPOSITIONS));
  if (chance(rng, 0.08)) out.push(String(between(rng, 2, 2024)));
  nounPhrase(rng, out);
}

/** Words in tokens[from…] ("more careful" is two). */
function wordCount(tokens: readonly string[], from = 0): number {
  let n = 0;
  for (let i = from; i < tokens.length; i++) {
    const t = tokens[i] as string;
    if (PUNCTUATION.has(t)) continue;
    n++;
    for (let at = t.indexOf(' '); at !== -1; at = t.indexOf(' ', at + 1)) n++;
  }
  return n;
}

/** A reference sentence of 8–30 words, as tokens. */
function referenceTokens(rng: Rng): Tokens {
  for (;;) {
    const target = between(rng, 8, 30);
    const out: Tokens = [];
    if (chance(rng, 0.2)) out.push(...pick(rng, OPENERS).split(' '), ',');
    clause(rng, out);
    let words = wordCount(out);
    while (words < target - 3) {
      const from = out.length;
      if (chance(rng, 0.55)) prepositionalPhrase(rng, out);
      else {
        if (chance(rng, 0.5)) out.push(',');
        out.push(pick(rng, CONJUNCTIONS));
        clause(rng, out);
      }
      words += wordCount(out, from);
    }
    if (words < 8 || words > 30) continue;
    if (chance(rng, 0.04)) {
      // A quoted stretch of words: word_tokenize turns the quotes into `` and ''.
      const from = between(rng, 1, Math.max(1, out.length - 3));
      const to = Math.min(out.length, from + between(rng, 2, 4));
      if (out.slice(from, to).every((t) => !PUNCTUATION.has(t))) {
        out.splice(to, 0, '"');
        out.splice(from, 0, '"');
      }
    }
    out.push(chance(rng, 0.85) ? '.' : chance(rng, 0.5) ? '!' : '?');
    return out;
  }
}

/** Joins tokens into text: no space before punctuation and clitics, capitalised first letter. */
function render(tokens: readonly string[]): string {
  let text = '';
  let openQuote = false;
  let afterOpenQuote = false;
  for (const token of tokens) {
    if (token === '"') {
      if (openQuote) text += '"';
      else {
        text += text === '' ? '"' : ' "';
        afterOpenQuote = true;
      }
      openQuote = !openQuote;
      continue;
    }
    const glue = afterOpenQuote || text === '' || (PUNCTUATION.has(token) && token !== '"');
    text += glue ? token : ` ${token}`;
    afterOpenQuote = false;
  }
  return text.charAt(0).toUpperCase() + text.slice(1);
}

// --------------------------------------------------------------------------------------- edits

/** Tokens → a candidate: each word edited with probability `rate`, then phrase-level edits. */
function editTokens(rng: Rng, reference: readonly string[], rate: number): Tokens {
  // The closing mark stays last (a full stop inside would make two sentences).
  const last = reference[reference.length - 1] as string;
  const final = TERMINALS.includes(last) ? last : null;
  const body = final === null ? reference : reference.slice(0, -1);
  const out: Tokens = [];
  for (const token of body) {
    if (PUNCTUATION.has(token)) {
      // punctuation: sometimes dropped, a full stop sometimes becomes another mark
      if (token === ',' && chance(rng, rate)) continue;
      out.push(token);
      continue;
    }
    if (!chance(rng, rate)) {
      out.push(token);
      continue;
    }
    const slot = SLOTS.get(token);
    const roll = rng();
    if (slot !== undefined && roll < 0.45) {
      // a synonym in the same form
      const group = groupOf(slot);
      const others = group.filter((_, m) => m !== slot.member);
      const forms = others.length > 0 ? pick(rng, others) : formsOf(slot);
      out.push(forms[slot.form] ?? token);
    } else if (slot !== undefined && roll < 0.6 && slot.kind !== 'adverb') {
      // another inflection of the same word (METEOR's stem stage)
      const forms = formsOf(slot);
      out.push(pick(rng, forms));
    } else if (roll < 0.8) {
      // deleted
    } else {
      // kept, with an inserted word before it
      out.push(pick(rng, chance(rng, 0.5) ? FILLERS : ADVERB_GROUPS.flat()), token);
    }
  }
  // Reordering: a stretch of 2–5 tokens moves elsewhere.
  if (out.length > 6 && chance(rng, Math.min(0.9, rate * 2))) {
    const length = between(rng, 2, 5);
    const from = between(rng, 0, out.length - length - 1);
    const moved = out.splice(from, length);
    out.splice(between(rng, 0, out.length - 1), 0, ...moved);
  }
  // Adjacent swap.
  if (out.length > 3 && chance(rng, rate)) {
    const i = between(rng, 0, out.length - 2);
    const a = out[i] as string;
    out[i] = out[i + 1] as string;
    out[i + 1] = a;
  }
  // A phrase added at the end, as a model elaborates.
  if (chance(rng, rate * 0.5)) prepositionalPhrase(rng, out);
  // The closing mark: sometimes dropped or changed.
  if (final !== null && !chance(rng, rate * 0.5)) out.push(final);
  else if (final !== null && chance(rng, 0.5)) out.push(final === '.' ? '!' : '.');
  // Moves can unbalance quotes; then they all go.
  let quotes = 0;
  for (const t of out) if (t === '"') quotes++;
  return quotes % 2 === 1 ? out.filter((t) => t !== '"') : out;
}

/**
 * `count` pairs from `seed`. About 4 % of candidates are the reference itself, 4 % an unrelated
 * sentence, the rest edits at a per-pair rate drawn from [0.05, 0.6].
 */
export function generateSentencePairs(count: number, seed = 0x5eed_2024): SentencePair[] {
  const rng = seededRandom(seed);
  const pairs: SentencePair[] = [];
  for (let i = 0; i < count; i++) {
    const tokens = referenceTokens(rng);
    const reference = render(tokens);
    const kind = rng();
    let candidate: string;
    if (kind < 0.04) candidate = reference;
    else if (kind < 0.08) candidate = render(referenceTokens(rng));
    else {
      const rate = 0.05 + rng() * 0.55;
      candidate = render(editTokens(rng, tokens, rate));
      if (chance(rng, 0.1)) candidate = candidate.toLowerCase();
    }
    pairs.push({ candidate, reference });
  }
  return pairs;
}
