/**
 * The judge's refusal of a model over its budget (model-budget.ts), as the student reads it:
 * which limit, the model's number, the limit and the reference's, and the heaviest layers.
 */
import type { LocalizedText } from '../spec/assignment-spec';
import { MACS_MULTIPLE, MAX_ACTIVATIONS_PER_IMAGE, MAX_MACS_PER_IMAGE, MAX_PARAMS, REFERENCE_MACS_PER_IMAGE, type ModelBudget } from './model-budget';

const millions = (n: number, lang: 'en' | 'ru') => {
  const m = n / 1e6;
  const text = m >= 1e6 ? m.toExponential(2) : m >= 100 ? m.toFixed(0) : m.toFixed(1);
  return lang === 'ru' ? text.replace('.', ',') : text;
};

function heaviest(budget: ModelBudget, lang: 'en' | 'ru'): string {
  return budget.heaviest
    .filter((l) => l.macs > 0)
    .map((l) => `${l.name.slice(0, 60)} (${l.className}): ${millions(l.macs, lang)} ${lang === 'en' ? 'M' : 'млн'}`)
    .join('; ');
}

/** What is wrong with the budget, or null when the model may be loaded and run. */
export function budgetProblem(budget: ModelBudget, what: string): LocalizedText | null {
  if (budget.declaredParams > MAX_PARAMS) {
    return {
      en: `${what} declares ${millions(budget.declaredParams, 'en')} M parameters in its layers, more than the ${millions(MAX_PARAMS, 'en')} M the grader loads: far more than this exercise needs.`,
      ru: `${what} объявляет в своих слоях ${millions(budget.declaredParams, 'ru')} млн параметров — больше ${millions(MAX_PARAMS, 'ru')} млн, которые загружает проверка: гораздо больше, чем нужно в этом упражнении.`,
    };
  }
  if (budget.declaredParams > budget.suppliedParams) {
    return {
      en: `${what} declares ${budget.declaredParams.toLocaleString('en-US')} parameters in its layers, but its saved weights hold only ${budget.suppliedParams.toLocaleString('en-US')}: the saved model is inconsistent, and the grader does not load it.`,
      ru: `${what} объявляет в своих слоях ${budget.declaredParams.toLocaleString('ru-RU')} параметров, а сохранённые веса содержат только ${budget.suppliedParams.toLocaleString('ru-RU')}: сохранённая модель несогласованна, проверка её не загружает.`,
    };
  }
  const over: LocalizedText[] = [];
  if (budget.activationsPerImage > MAX_ACTIVATIONS_PER_IMAGE) {
    over.push({
      en: `${what} produces about ${millions(budget.activationsPerImage, 'en')} M values per image in its layers' outputs (${millions(4 * budget.activationsPerImage, 'en')} MB); the grader runs models of up to ${millions(MAX_ACTIVATIONS_PER_IMAGE, 'en')} M per image (the reference CNN: 0.015 M). Make the feature maps smaller.`,
      ru: `${what} создаёт около ${millions(budget.activationsPerImage, 'ru')} млн значений на изображение в выходах своих слоёв (${millions(4 * budget.activationsPerImage, 'ru')} МБ); проверка запускает модели до ${millions(MAX_ACTIVATIONS_PER_IMAGE, 'ru')} млн на изображение (у эталонной CNN — 0,015 млн). Уменьшите карты признаков.`,
    });
  }
  const reference = Math.max(...Object.values(REFERENCE_MACS_PER_IMAGE));
  if (budget.macsPerImage > MAX_MACS_PER_IMAGE) {
    const layersEn = heaviest(budget, 'en');
    const layersRu = heaviest(budget, 'ru');
    over.unshift({
      en: `${what} needs about ${millions(budget.macsPerImage, 'en')} M multiply-adds per image (${Math.round(budget.macsPerImage / reference).toLocaleString('en-US')}× the reference CNN's ${millions(reference, 'en')} M); the grader runs models of up to ${millions(MAX_MACS_PER_IMAGE, 'en')} M per image (${MACS_MULTIPLE}× the reference), so that evaluating the test images takes seconds, not minutes.${layersEn !== '' ? ` Heaviest layers: ${layersEn}.` : ''} Make the feature maps smaller (pooling, strides) or use fewer filters.`,
      ru: `${what} требует около ${millions(budget.macsPerImage, 'ru')} млн умножений-сложений на изображение (в ${Math.round(budget.macsPerImage / reference).toLocaleString('ru-RU')} раз больше ${millions(reference, 'ru')} млн у эталонной CNN); проверка запускает модели до ${millions(MAX_MACS_PER_IMAGE, 'ru')} млн на изображение (${MACS_MULTIPLE} × эталон), чтобы оценка на тестовых изображениях занимала секунды, а не минуты.${layersRu !== '' ? ` Самые тяжёлые слои: ${layersRu}.` : ''} Уменьшите карты признаков (пулинг, шаги свёрток) или возьмите меньше фильтров.`,
    });
  }
  if (over.length === 0) return null;
  return { en: over.map((t) => t.en).join(' Also, '), ru: over.map((t) => t.ru).join(' Кроме того, ') };
}

/** The refusal of a topology that cannot even be measured (UnmeasurableModelError's reason). */
export function unmeasurableText(what: string, reason: string): LocalizedText {
  return {
    en: `${what} could not be loaded from its saved form (${reason}). Use the built-in layers of tf.layers with fixed input shapes.`,
    ru: `${what} не удалось загрузить из сохранённого вида (${reason}). Используйте встроенные слои tf.layers с заданной формой входа.`,
  };
}

/** The refusal of a topology that TF.js could not load (its first line of error). */
export function loadFailedText(what: string, message: string): LocalizedText {
  return {
    en: `${what} could not be loaded from its saved form (${message}). Use the built-in layers of tf.layers only (custom layer classes are not supported).`,
    ru: `${what} не удалось загрузить из сохранённого вида (${message}). Используйте только встроенные слои tf.layers (собственные классы слоёв не поддерживаются).`,
  };
}
