/** The building blocks every view of the panel shares: a titled section and the header. */
import React, { ReactNode } from 'react';

export interface ISectionProps {
  title: string;
  /** The section's own class (nbo-run, nbo-export...), beside nbo-section. */
  cls: string;
  children?: ReactNode;
}

export function Section(props: ISectionProps): JSX.Element {
  return (
    <section className={`nbo-section ${props.cls}`}>
      <h3 className="nbo-section-title">{props.title}</h3>
      {props.children}
    </section>
  );
}

export interface IHeaderProps {
  title: string;
  /** The server path shown under the title. */
  path: string;
  subtitle?: string;
  summary: string;
}

/** The title, path and one-line summary at the top of the panel and the folder tab. */
export function PanelHeader(props: IHeaderProps): JSX.Element {
  return (
    <header className="nbo-header">
      <h2 className="nbo-title">{props.title}</h2>
      <div className="nbo-subtitle" title={props.path}>
        {props.subtitle ?? props.path}
      </div>
      <div className="nbo-summary">{props.summary}</div>
    </header>
  );
}

/** A keyboard user's Enter (and Space, for `role="button"` rows) acts as a click. */
export function onActivate(act: () => void, space = false): (e: React.KeyboardEvent) => void {
  return e => {
    if (e.key === 'Enter' || (space && e.key === ' ')) {
      act();
    }
  };
}
