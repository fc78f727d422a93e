import { count, countEn, noun, NOUNS, ruPluralIndex } from '../../grader/util/plural';

describe('plural', () => {
  it('English: singular only for one', () => {
    expect(count('en', 1, NOUNS.tensor)).toBe('1 tensor');
    expect(count('en', 2, NOUNS.tensor)).toBe('2 tensors');
    expect(count('en', 0, NOUNS.tensor)).toBe('0 tensors');
    expect(count('en', 1.5, NOUNS.sample)).toBe('1.5 samples');
    expect(count('en', 1000, NOUNS.step, '1,000')).toBe('1,000 steps');
    expect(countEn(1, 'more warning is', 'more warnings are')).toBe('1 more warning is');
    expect(countEn(3, 'byte', 'bytes')).toBe('3 bytes');
  });

  it('Russian: one, few, many', () => {
    const forms = [1, 2, 4, 5, 11, 12, 14, 21, 22, 25, 101, 111, 112, 0].map((n) => count('ru', n, NOUNS.tensor));
    expect(forms).toEqual([
      '1 тензор', '2 тензора', '4 тензора', '5 тензоров', '11 тензоров', '12 тензоров', '14 тензоров',
      '21 тензор', '22 тензора', '25 тензоров', '101 тензор', '111 тензоров', '112 тензоров', '0 тензоров',
    ]);
    expect(count('ru', 1.5, NOUNS.tensor, '1,5')).toBe('1,5 тензора');
    expect(noun('ru', 3, NOUNS.epoch)).toBe('эпохи');
    expect(ruPluralIndex(-1)).toBe(0);
    expect(ruPluralIndex(Number.NaN)).toBe(2);
  });
});
