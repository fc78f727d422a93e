/**
 * Every word a report figure shows, in English and Russian: captions, axis titles, legend
 * entries, table headers. Figures carry no free text of their own (see figures.ts); the only
 * data-borne strings are numbers, the confusion labels and the tensor-mismatch label, which
 * the renderer escapes.
 */
import type { Lang } from '../spec/assignment-spec';
import { count, NOUNS } from '../util/plural';
import type { SeriesRole } from './figures';

export type FigureLang = Lang;

export type FigureMetric = 'train-loss' | 'reconstruction-mse' | 'denoised-mse' | 'accuracy';

export interface FigureText {
  /** Series names by role (legend entries). */
  roles: Record<SeriesRole, string>;
  /** Axis titles by metric. */
  metrics: Record<FigureMetric, string>;
  epoch: string;
  logScale: string;
  noData: string;
  lossCurve: { caption: Record<'train-loss' | 'reconstruction-mse', string> };
  trajectory: {
    caption: string;
    x: string;
    y: string;
    start: string;
    end: string;
    optimum: string;
  };
  bands: {
    caption: Record<'accuracy' | 'reconstruction-mse' | 'denoised-mse', string>;
    higherBetter: string;
    lowerBetter: string;
    yourValue: string;
    reference: string;
    noValue: string;
    offScale: string;
    points: (n: number) => string;
  };
  confusion: { caption: string; trueLabel: string; predicted: string; correct: string; wrong: string };
  misclassified: {
    caption: string;
    item: (label: number, predicted: number) => string;
    alt: (label: number, predicted: number) => string;
    none: string;
  };
  reconstructions: {
    caption: string;
    original: string;
    noisy: string;
    output: string;
    alt: (row: string, column: number) => string;
    none: string;
  };
  mismatch: {
    caption: string;
    worst: string;
    index: string;
    expected: string;
    actual: string;
    absError: string;
    relError: string;
    expectedShape: string;
    actualShape: string;
    mismatched: (m: number, total: number | undefined) => string;
    heatmap: string;
    row: string;
    column: string;
    noValue: string;
  };
  imageUnreadable: string;
  malformed: (n: number) => string;
}

/** The Russian plural form for n: 1 балл, 2 балла, 5 баллов; fractions take the second. */
export function ruPlural(n: number, one: string, few: string, many: string): string {
  if (!Number.isInteger(n)) return few;
  const a = Math.abs(n) % 100;
  const b = a % 10;
  if (a > 10 && a < 20) return many;
  if (b === 1) return one;
  if (b >= 2 && b <= 4) return few;
  return many;
}

function fmtCount(n: number): string {
  return Number.isInteger(n) ? String(n) : String(Number(n.toFixed(2)));
}

const EN: FigureText = {
  roles: {
    student: 'your solution',
    reference: 'reference',
    'student-noisy': 'your solution, noisy input',
    'reference-noisy': 'reference, noisy input',
  },
  metrics: {
    'train-loss': 'training loss',
    'reconstruction-mse': 'reconstruction error (MSE)',
    'denoised-mse': 'denoising error (MSE)',
    accuracy: 'accuracy',
  },
  epoch: 'epoch',
  logScale: 'log scale',
  noData: 'no data',
  lossCurve: {
    caption: {
      'train-loss': 'Training loss per epoch: your solution against the reference.',
      'reconstruction-mse': 'Reconstruction error per epoch: your solution against the reference.',
    },
  },
  trajectory: {
    caption: 'Optimiser paths over the contour lines of the loss: ○ start, ● end, ★ minimum.',
    x: 'θ₁',
    y: 'θ₂',
    start: 'start',
    end: 'end',
    optimum: 'minimum',
  },
  bands: {
    caption: {
      accuracy: 'Test accuracy against the bands that give points.',
      'reconstruction-mse': 'Reconstruction error against the bands that give points.',
      'denoised-mse': 'Denoising error against the bands that give points.',
    },
    higherBetter: 'higher is better',
    lowerBetter: 'lower is better',
    yourValue: 'your value',
    reference: 'reference',
    noValue: 'no value (the result was not a number)',
    offScale: 'off the scale',
    points: (n) => `${fmtCount(n)} ${n === 1 ? 'pt' : 'pts'}`,
  },
  confusion: {
    caption: 'Confusion matrix: rows are the true labels, columns the predicted ones; the diagonal holds the correct answers.',
    trueLabel: 'true label',
    predicted: 'predicted label',
    correct: 'correct',
    wrong: 'wrong',
  },
  misclassified: {
    caption: 'Test digits your model got wrong.',
    item: (label, predicted) => `true ${label} → predicted ${predicted}`,
    alt: (label, predicted) => `handwritten digit, true label ${label}, predicted ${predicted}`,
    none: 'No misclassified digits.',
  },
  reconstructions: {
    caption: 'Autoencoder: test images and what your model made of them.',
    original: 'original',
    noisy: 'noisy input',
    output: 'output',
    alt: (row, column) => `${row}, image ${column}`,
    none: 'No images.',
  },
  mismatch: {
    caption: 'Where the tensor differs from the expected one',
    worst: 'worst entries',
    index: 'index',
    expected: 'expected',
    actual: 'actual',
    absError: 'abs. error',
    relError: 'rel. error',
    expectedShape: 'expected shape',
    actualShape: 'actual shape',
    mismatched: (m, total) => (total === undefined ? `${count('en', m, NOUNS.entry)} ${m === 1 ? 'differs' : 'differ'}` : `${m} of ${count('en', total, NOUNS.entry)} ${m === 1 ? 'differs' : 'differ'}`),
    heatmap: 'relative error per entry',
    row: 'row',
    column: 'column',
    noValue: 'no value',
  },
  imageUnreadable: 'image data unreadable',
  malformed: (n) =>
    n === 1 ? '1 figure could not be shown: its data is malformed.' : `${n} figures could not be shown: their data is malformed.`,
};

const RU: FigureText = {
  roles: {
    student: 'ваше решение',
    reference: 'эталон',
    'student-noisy': 'ваше решение, зашумлённый вход',
    'reference-noisy': 'эталон, зашумлённый вход',
  },
  metrics: {
    'train-loss': 'потери на обучении',
    'reconstruction-mse': 'ошибка восстановления (MSE)',
    'denoised-mse': 'ошибка очистки от шума (MSE)',
    accuracy: 'точность (accuracy)',
  },
  epoch: 'эпоха',
  logScale: 'логарифмическая шкала',
  noData: 'нет данных',
  lossCurve: {
    caption: {
      'train-loss': 'Потери на обучении по эпохам: ваше решение и эталон.',
      'reconstruction-mse': 'Ошибка восстановления по эпохам: ваше решение и эталон.',
    },
  },
  trajectory: {
    caption: 'Траектории оптимизатора на линиях уровня функции потерь: ○ начало, ● конец, ★ минимум.',
    x: 'θ₁',
    y: 'θ₂',
    start: 'начало',
    end: 'конец',
    optimum: 'минимум',
  },
  bands: {
    caption: {
      accuracy: 'Точность на тестовых данных и границы, за которые даются баллы.',
      'reconstruction-mse': 'Ошибка восстановления и границы, за которые даются баллы.',
      'denoised-mse': 'Ошибка очистки от шума и границы, за которые даются баллы.',
    },
    higherBetter: 'чем больше, тем лучше',
    lowerBetter: 'чем меньше, тем лучше',
    yourValue: 'ваше значение',
    reference: 'эталон',
    noValue: 'нет значения (результат — не число)',
    offScale: 'за пределами шкалы',
    points: (n) => `${fmtCount(n)} ${ruPlural(n, 'балл', 'балла', 'баллов')}`,
  },
  confusion: {
    caption: 'Матрица ошибок: строки — верные метки, столбцы — предсказанные; на диагонали — верные ответы.',
    trueLabel: 'верная метка',
    predicted: 'предсказанная метка',
    correct: 'верно',
    wrong: 'ошибка',
  },
  misclassified: {
    caption: 'Тестовые цифры, на которых ваша модель ошиблась.',
    item: (label, predicted) => `верно ${label} → предсказано ${predicted}`,
    alt: (label, predicted) => `рукописная цифра, верная метка ${label}, предсказано ${predicted}`,
    none: 'Ошибочно классифицированных цифр нет.',
  },
  reconstructions: {
    caption: 'Автокодировщик: тестовые изображения и то, что из них получила ваша модель.',
    original: 'оригинал',
    noisy: 'с шумом',
    output: 'выход',
    alt: (row, column) => `${row}, изображение ${column}`,
    none: 'Изображений нет.',
  },
  mismatch: {
    caption: 'Где тензор отличается от ожидаемого',
    worst: 'наибольшие расхождения',
    index: 'индекс',
    expected: 'ожидалось',
    actual: 'получено',
    absError: 'абс. ошибка',
    relError: 'отн. ошибка',
    expectedShape: 'ожидаемая форма',
    actualShape: 'полученная форма',
    mismatched: (m, total) =>
      total === undefined
        ? `${ruPlural(m, 'отличается', 'отличаются', 'отличаются')} ${m} ${ruPlural(m, 'элемент', 'элемента', 'элементов')}`
        : `${ruPlural(m, 'отличается', 'отличаются', 'отличаются')} ${m} из ${total} ${ruPlural(total, 'элемента', 'элементов', 'элементов')}`,
    heatmap: 'относительная ошибка по элементам',
    row: 'строка',
    column: 'столбец',
    noValue: 'нет значения',
  },
  imageUnreadable: 'изображение не читается',
  malformed: (n) => `${n} ${ruPlural(n, 'рисунок', 'рисунка', 'рисунков')} не удалось показать: данные повреждены.`,
};

const TEXTS: Record<FigureLang, FigureText> = { en: EN, ru: RU };

/** The figure strings of a language. */
export function figureText(lang: FigureLang): FigureText {
  return TEXTS[lang] ?? EN;
}
