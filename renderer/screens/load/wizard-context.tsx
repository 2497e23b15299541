import { createContext, type Dispatch, type ReactNode, useContext, useReducer } from 'react';
import { INITIAL_WIZARD, type WizardAction, type WizardState, wizardReducer } from './wizard-state.ts';

const WizardContext = createContext<{ state: WizardState; dispatch: Dispatch<WizardAction> } | null>(null);

/**
 * Holds the load wizard above the router, so looking up a connection or a past run
 * in the middle of setting up a load does not throw the work away.
 */
export function WizardProvider(props: { children: ReactNode }) {
  const [state, dispatch] = useReducer(wizardReducer, INITIAL_WIZARD);
  return <WizardContext.Provider value={{ state, dispatch }}>{props.children}</WizardContext.Provider>;
}

/** The wizard's state and dispatcher. */
export function useWizard(): { state: WizardState; dispatch: Dispatch<WizardAction> } {
  const value = useContext(WizardContext);
  if (!value) throw new Error('WizardProvider is missing');
  return value;
}
