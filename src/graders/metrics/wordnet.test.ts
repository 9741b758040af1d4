import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { getWordNet, parseWordNetData, WordNet, type WordNetPos } from './wordnet.ts';

/**
 * Produced by nltk 3.8 (python3-nltk) over the same WordNet 3.0 files:
 * [word, sorted meteor synonym set (lemma names without '_' over `wordnet.synsets(word)`),
 *  [morphy(word), morphy(word,'n'), morphy(word,'v'), morphy(word,'a'), morphy(word,'r')],
 *  len(wordnet.synsets(word))].
 * Picked for exception lists (geese, abaci), rule chains (eseses), satellites (galore(p)),
 * capitalised lemmas (Lincoln), Porter stems (quickli) and words WordNet lacks. The port was
 * compared with nltk on 170,290 words (dictionary words, their stems, exception forms, every fifth
 * index lemma): 0 differences in synonyms, morphy or synset counts.
 */
type OracleRow = readonly [string, readonly string[], readonly (string | null)[], number];
const NLTK_WORDNET: readonly OracleRow[] = [
  ["quick", ["agile", "fast", "flying", "immediate", "nimble", "prompt", "promptly", "quick", "quickly", "ready", "speedy", "spry", "straightaway", "warm"], ["quick", "quick", null, "quick", "quick"], 8],
  ["fast", ["debauched", "degenerate", "degraded", "dissipated", "dissolute", "fast", "fasting", "firm", "flying", "immobile", "libertine", "loyal", "profligate", "quick", "riotous", "tight", "truehearted"], ["fast", "fast", "fast", "fast", "fast"], 15],
  ["quickli", [], [null, null, null, null, null], 0],
  ["run", ["bleed", "bunk", "campaign", "carry", "consort", "course", "discharge", "draw", "endure", "escape", "execute", "extend", "feed", "flow", "footrace", "function", "go", "guide", "hunt", "incline", "ladder", "lam", "lead", "lean", "melt", "move", "operate", "outpouring", "pass", "persist", "play", "ply", "prevail", "race", "range", "ravel", "rill", "rivulet", "run", "runnel", "running", "scarper", "scat", "streak", "streamlet", "tally", "tend", "test", "trial", "unravel", "work"], ["run", "run", "run", null, null], 57],
  ["ran", ["bleed", "bunk", "campaign", "carry", "consort", "course", "draw", "endure", "escape", "execute", "extend", "feed", "flow", "function", "go", "guide", "hunt", "incline", "ladder", "lam", "lead", "lean", "melt", "move", "operate", "pass", "persist", "play", "ply", "prevail", "race", "range", "run", "scarper", "scat", "tend", "unravel", "work"], ["run", null, "run", null, null], 41],
  ["store", ["depot", "entrepot", "fund", "memory", "shop", "stock", "storage", "store", "storehouse"], ["store", "store", "store", null, null], 6],
  ["stores", ["depot", "entrepot", "fund", "memory", "shop", "stock", "storage", "store", "storehouse"], ["store", "store", "store", null, null], 6],
  ["lincoln", ["Lincoln"], ["lincoln", "lincoln", null, null, null], 3],
  ["galore", ["abounding", "galore"], ["galore", null, null, "galore", null], 2],
  ["out", ["KO'd", "away", "extinct", "forbidden", "kayoed", "out", "prohibited", "proscribed", "stunned", "taboo", "tabu", "verboten"], ["out", "out", "out", "out", "out"], 17],
  ["men", ["Man", "gentleman", "hands", "homo", "human", "humanity", "humankind", "humans", "man", "mankind", "manpower", "men", "piece", "serviceman", "valet", "workforce", "world"], ["men", "men", null, null, null], 12],
  ["women", ["char", "charwoman", "woman", "womanhood"], ["woman", "woman", null, null, null], 4],
  ["geese", ["bozo", "cuckoo", "fathead", "goof", "goofball", "goose", "jackass", "twat", "zany"], ["goose", "goose", null, null, null], 3],
  ["mice", ["mouse", "shiner"], ["mouse", "mouse", null, null, null], 4],
  ["aardwolves", ["aardwolf"], ["aardwolf", "aardwolf", null, null, null], 1],
  ["abaci", ["abacus"], ["abacus", "abacus", null, null, null], 2],
  ["churches", ["church"], ["church", "church", "church", null, null], 5],
  ["boxes", ["box", "boxful", "boxwood", "corner", "loge", "package"], ["box", "box", "box", null, null], 13],
  ["dishes", ["bag", "beauty", "dish", "dishful", "knockout", "looker", "lulu", "mantrap", "peach", "ravisher", "saucer", "serve", "smasher", "stunner", "sweetheart"], ["dish", "dish", "dish", null, null], 8],
  ["flies", ["aviate", "fell", "flee", "flies", "fly", "pilot", "rainfly", "tent-fly", "vanish", "vaporize", "wing"], ["flies", "flies", "fly", null, null], 20],
  ["ladies", ["Lady", "dame", "gentlewoman", "lady", "ma'am", "madam", "noblewoman", "peeress"], ["lady", "lady", null, null, null], 3],
  ["better", ["adept", "advantageously", "ameliorate", "amend", "beneficial", "best", "better", "bettor", "break", "comfortably", "considerably", "dear", "dependable", "easily", "effective", "estimable", "expert", "full", "good", "honest", "honorable", "improve", "intimately", "just", "meliorate", "near", "practiced", "proficient", "punter", "respectable", "right", "ripe", "safe", "salutary", "secure", "serious", "skilful", "skillful", "sound", "substantially", "undecomposed", "unspoiled", "unspoilt", "upright", "wagerer", "well"], ["better", "better", "better", "better", "better"], 50],
  ["best", ["Best", "adept", "advantageously", "beneficial", "best", "better", "comfortably", "considerably", "dear", "dependable", "easily", "effective", "estimable", "expert", "full", "good", "honest", "honorable", "intimately", "just", "near", "outdo", "outflank", "practiced", "proficient", "respectable", "right", "ripe", "safe", "salutary", "scoop", "secure", "serious", "skilful", "skillful", "sound", "substantially", "topper", "trump", "undecomposed", "unspoiled", "unspoilt", "upright", "well"], ["best", "best", "best", "best", "best"], 43],
  ["bigger", ["adult", "bad", "big", "bigger", "bighearted", "boastful", "bounteous", "bountiful", "braggart", "bragging", "braggy", "cock-a-hoop", "crowing", "enceinte", "expectant", "freehanded", "full-grown", "giving", "gravid", "great", "grown", "grownup", "handsome", "heavy", "large", "larger", "liberal", "magnanimous", "openhanded", "prominent", "self-aggrandising", "self-aggrandizing", "swelled", "vainglorious"], ["bigger", null, null, "bigger", null], 14],
  ["happiest", ["felicitous", "glad", "happy", "well-chosen"], ["happy", null, null, "happy", null], 4],
  ["purchased", ["buy", "purchase"], ["purchase", null, "purchase", null, null], 1],
  ["bought", ["bribe", "buy", "corrupt", "purchase"], ["buy", null, "buy", null, null], 5],
  ["studied", ["analyse", "analyze", "canvas", "canvass", "consider", "contemplate", "examine", "learn", "meditate", "read", "studied", "study", "take"], ["study", null, "study", "studied", null], 7],
  ["sitting", ["baby-sit", "model", "pose", "posing", "posture", "ride", "seance", "seat", "seated", "session", "sit", "sitting"], ["sitting", "sitting", "sit", "sitting", null], 16],
  ["sat", ["Sabbatum", "Sat", "Saturday", "baby-sit", "model", "pose", "posture", "ride", "seat", "sit"], ["sat", "sat", "sit", null, null], 11],
  ["was", ["WA", "Washington", "be", "comprise", "constitute", "cost", "embody", "equal", "exist", "follow", "live", "personify", "represent"], ["wa", "wa", "be", null, null], 14],
  ["is", ["be", "comprise", "constitute", "cost", "embody", "equal", "exist", "follow", "live", "personify", "represent"], ["be", null, "be", null, null], 13],
  ["the", [], [null, null, null, null, null], 0],
  ["he", ["He", "he", "helium"], ["he", "he", null, null, null], 2],
  ["a", ["A", "a", "adenine", "amp", "ampere", "angstrom", "axerophthol"], ["a", "a", null, null, null], 7],
  ["42", ["42", "forty-two", "xlii"], ["42", null, null, "42", null], 1],
  ["ii", ["2", "II", "deuce", "ii", "two"], ["ii", "ii", null, "ii", null], 2],
  [".", [], [null, null, null, null, null], 0],
  ["xyzzy", [], [null, null, null, null, null], 0],
  ["café", [], [null, null, null, null, null], 0],
  ["new_york", ["NY"], ["new_york", "new_york", null, null, null], 3],
  ["ses", ["S", "SE", "Se", "entropy", "mho", "randomness", "s", "sec", "second", "selenium", "siemens", "sou'-east", "south", "southeast", "southeastward", "southward", "sulfur", "sulphur"], ["se", "se", null, null, null], 8],
  ["eseses", ["E", "ESE", "Es", "einsteinium"], ["ese", "ese", null, null, null], 2],
  ["hardrock", [], [null, null, null, null, null], 0],
  ["saw", ["adage", "ascertain", "assure", "attend", "byword", "catch", "check", "consider", "construe", "control", "date", "determine", "discover", "encounter", "ensure", "envision", "escort", "examine", "experience", "fancy", "figure", "find", "hear", "image", "insure", "interpret", "learn", "look", "meet", "picture", "project", "proverb", "realise", "realize", "reckon", "regard", "saw", "see", "understand", "view", "visit", "visualise", "visualize", "watch", "witness"], ["saw", "saw", "saw", null, null], 28],
  ["leaves", ["allow", "bequeath", "depart", "entrust", "exit", "farewell", "foliage", "folio", "forget", "give", "impart", "lead", "leaf", "leafage", "leave", "leave-taking", "parting", "provide", "result", "will"], ["leaf", "leaf", "leave", null, null], 20],
  ["axes", ["Axis", "ax", "axe", "axis", "bloc"], ["ax", "ax", "axe", null, null], 11],
  ["dying", ["anxious", "break", "choke", "conk", "croak", "death", "decease", "demise", "die", "dying", "exit", "expire", "fail", "go", "pall", "pass", "perish"], ["dying", "dying", "die", "dying", null], 14],
  ["lying", ["consist", "dwell", "fabrication", "lie", "lying", "prevarication", "rest"], ["lying", "lying", "lie", null, null], 8],
  ["generously", ["generously", "liberally", "munificently"], ["generously", null, null, null, "generously"], 1],
  ["oscillators", ["oscillator"], ["oscillator", "oscillator", null, null, null], 1],
];

const POS: readonly WordNetPos[] = ['n', 'v', 'a', 'r'];

describe('WordNet 3.0 (nltk 3.8 WordNetCorpusReader semantics)', () => {
  let wordnet: WordNet;
  before(() => {
    wordnet = getWordNet();
  });

  it('loads all four index files', () => {
    // Line counts of index.noun/verb/adj/adv without the license header.
    assert.deepEqual(
      POS.map((p) => wordnet.lemmaCount(p)),
      [117798, 11529, 21479, 4481],
    );
  });

  it('matches nltk synonyms, morphy and synset counts on oracle words', () => {
    for (const [word, expectedSynonyms, expectedMorphy, synsetCount] of NLTK_WORDNET) {
      assert.deepEqual([...wordnet.synonyms(word)].sort(), [...expectedSynonyms].sort(), `synonyms(${word})`);
      assert.deepEqual(
        [wordnet.morphy(word), ...POS.map((p) => wordnet.morphy(word, p))],
        expectedMorphy,
        `morphy(${word})`,
      );
      assert.equal(wordnet.synsets(word).length, synsetCount, `synsets(${word})`);
    }
  });

  it('reproduces the morphy doctests of nltk', () => {
    assert.equal(wordnet.morphy('dogs'), 'dog');
    assert.equal(wordnet.morphy('churches'), 'church');
    assert.equal(wordnet.morphy('aardwolves'), 'aardwolf');
    assert.equal(wordnet.morphy('abaci'), 'abacus');
    assert.equal(wordnet.morphy('hardrock', 'r'), null);
    assert.equal(wordnet.morphy('book', 'n'), 'book');
    assert.equal(wordnet.morphy('book', 'a'), null);
  });

  it('keeps data-file case and drops syntactic markers in lemma names', () => {
    assert.ok(wordnet.synonyms('lincoln').has('Lincoln'));
    assert.ok(!wordnet.synonyms('lincoln').has('lincoln'));
    // data.adj spells the lemma 'galore(ip)'; nltk's lemma_names() (same order as here):
    const galore = wordnet.synsets('galore', 'a');
    assert.deepEqual(
      galore.map((s) => [s.pos, s.lemmaNames]),
      [
        ['s', ['galore']],
        ['s', ['abounding', 'galore']],
      ],
    );
  });

  it('lowercases the lemma in synsets(), not in morphy()', () => {
    assert.equal(wordnet.synsets('Dogs').length, wordnet.synsets('dogs').length);
    assert.equal(wordnet.morphy('Dogs'), null);
  });

  it('ships every WordNet 3.0 synset', () => {
    // Line counts of data.noun/verb/adj/adv without the license header (117,659 synsets).
    assert.deepEqual(
      POS.map((p) => wordnet.synsetCount(p)),
      [82115, 13767, 18156, 3621],
    );
  });

  it('refuses a malformed data file, naming the line', () => {
    assert.throws(() => parseWordNetData('not wordnet\n'), /header/);
    assert.throws(() => parseWordNetData('wordnet-3.0 1\n@synsets x 1\n1 n a\n'), /line 2/);
    assert.throws(() => parseWordNetData('wordnet-3.0 1\n@synsets n 1\n1 q a\n'), /line 3/);
    const tiny = parseWordNetData('wordnet-3.0 1\n@synsets n 1\n5 n Dog dog\n@index n 1\ndog 5\n@exceptions n 1\ndogses dog\n');
    const dogs = new WordNet(tiny).synsets('dogses');
    assert.deepEqual(dogs.map((s) => s.lemmaNames), [['Dog', 'dog']]);
  });
});
