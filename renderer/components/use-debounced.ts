import { useEffect, useState } from 'react';

/**
 * The value, once it has stopped changing for `ms`. Values are compared by their JSON text so a
 * freshly built but equal object does not restart the timer.
 */
export function useDebounced<T>(value: T, ms: number): T {
  const [settled, setSettled] = useState(value);
  const text = JSON.stringify(value);
  const settledText = JSON.stringify(settled);
  useEffect(() => {
    if (text === settledText) return;
    const timer = setTimeout(() => setSettled(JSON.parse(text) as T), ms);
    return () => clearTimeout(timer);
  }, [text, settledText, ms]);
  return settled;
}
