import { useEffect, useRef, useState } from 'react';
import type { ConnectionDto } from '../../../core/common/contract/index.ts';
import { useCommand, useCommandMutation } from '../../api/queries.ts';
import { ConfirmDialog } from '../../components/confirm-dialog.tsx';
import { ErrorBox, Loading } from '../../components/states.tsx';
import { ConnectionForm, serverText } from './connection-form.tsx';

/** Connections: the built-in `local` warehouse and saved PostgreSQL and MySQL servers; add, edit, test, delete. */
export function ConnectionsScreen() {
  const list = useCommand('connections.list', {});
  const [editing, setEditing] = useState<ConnectionDto | 'new' | null>(null);
  const [autoTest, setAutoTest] = useState<string | null>(null);
  const [deleting, setDeleting] = useState<string | null>(null);
  // Each save starts the connection's Test afresh: a result of its earlier settings (a ✓ before the
  // password was changed) would say something the connection no longer is.
  const [saves, setSaves] = useState<Record<string, number>>({});
  const remove = useCommandMutation('connections.delete', { invalidates: ['connections'] });
  // Where the focus goes when the form closes: the button that opened it (Cancel), or the saved
  // connection's Edit button (Save; a renamed one's row comes with the list read again). Without
  // this the focus fell to <body> with the form.
  const [focusAfter, setFocusAfter] = useState<{ connection: string } | 'add' | null>(null);
  const addRef = useRef<HTMLButtonElement>(null);
  const tableRef = useRef<HTMLTableElement>(null);
  useEffect(() => {
    if (editing !== null || focusAfter === null) return;
    const target =
      focusAfter === 'add'
        ? addRef.current
        : (Array.from(tableRef.current?.querySelectorAll<HTMLElement>('[data-testid="connection-row"]') ?? [])
            .find((row) => row.dataset.name === focusAfter.connection)
            ?.querySelector<HTMLElement>('[data-testid="edit-connection"]') ?? null);
    if (!target) return;
    target.focus();
    setFocusAfter(null);
  });
  const closeForm = (then: { connection: string } | 'add') => {
    setEditing(null);
    setFocusAfter(then);
  };

  return (
    <div className="screen" data-testid="screen-connections">
      <header className="screen-head">
        <h1 className="screen-title">Connections</h1>
        <button
          ref={addRef}
          type="button"
          className="btn btn-primary"
          onClick={() => setEditing('new')}
          disabled={editing !== null}
          data-testid="add-connection"
        >
          Add connection
        </button>
      </header>
      {editing ? (
        <ConnectionForm
          existing={editing === 'new' ? null : editing}
          onCancel={() => closeForm(editing === 'new' ? 'add' : { connection: editing.name })}
          onDone={(name, test) => {
            closeForm({ connection: name });
            setSaves((s) => ({ ...s, [name]: (s[name] ?? 0) + 1 }));
            setAutoTest(test ? name : null);
          }}
        />
      ) : null}
      {list.isPending ? (
        <Loading label="Loading connections…" />
      ) : list.isError ? (
        <ErrorBox title="Cannot list connections" error={list.error} onRetry={() => list.refetch()} />
      ) : (
        <div className="table-wrap">
          <table ref={tableRef} className="table" data-testid="connections-table">
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Server</th>
                <th scope="col">User</th>
                <th scope="col">SSL</th>
                <th scope="col">Secret</th>
                <th scope="col">Test</th>
                <th scope="col">
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {list.data.map((c) => (
                <tr key={c.name} data-testid="connection-row" data-name={c.name}>
                  <td className="mono">
                    <strong>{c.name}</strong> {c.builtIn ? <span className="badge">built-in</span> : null}
                  </td>
                  <td className="mono">
                    {c.builtIn && c.port === 0 ? (
                      <span className="muted">embedded PostgreSQL in the data folder (starts when used)</span>
                    ) : (
                      `${c.host}:${c.port}/${c.database}`
                    )}
                  </td>
                  <td className="mono">{c.user}</td>
                  <td>{c.sslMode}</td>
                  <td>{c.hasSecret ? 'stored' : '—'}</td>
                  <td className="test-cell">
                    <TestConnection
                      key={`${c.name}:${saves[c.name] ?? 0}`}
                      name={c.name}
                      auto={autoTest === c.name}
                      onAutoDone={() => setAutoTest(null)}
                    />
                  </td>
                  <td className="actions">
                    {c.builtIn ? null : (
                      <>
                        <button
                          type="button"
                          className="btn btn-small btn-ghost"
                          onClick={() => setEditing(c)}
                          disabled={editing !== null}
                          data-testid="edit-connection"
                        >
                          Edit
                        </button>
                        <button
                          type="button"
                          className="btn btn-small btn-ghost"
                          onClick={() => setDeleting(c.name)}
                          data-testid="delete-connection"
                        >
                          Delete
                        </button>
                      </>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {remove.isError ? <ErrorBox title="Could not delete" error={remove.error} /> : null}
      <ConfirmDialog
        open={deleting !== null}
        title={`Delete connection ${deleting ?? ''}?`}
        confirmLabel="Delete"
        cancelLabel="Keep it"
        danger
        onCancel={() => setDeleting(null)}
        onConfirm={() => {
          if (deleting) remove.mutate({ name: deleting });
          setDeleting(null);
        }}
        testId="delete-connection-dialog"
      >
        Saved jobs that use it will fail until they point at another connection. Its stored secret is erased.
      </ConfirmDialog>
    </div>
  );
}

/** The Test button and its result: the server version, or the server's own error text. */
function TestConnection(props: { name: string; auto: boolean; onAutoDone: () => void }) {
  const test = useCommandMutation('connections.test');
  const { auto, onAutoDone, name } = props;
  const { mutate } = test;
  useEffect(() => {
    if (auto) {
      mutate({ name });
      onAutoDone();
    }
  }, [auto, onAutoDone, mutate, name]);
  return (
    <div className="test" data-testid="connection-test">
      <button
        type="button"
        className="btn btn-small"
        onClick={() => test.mutate({ name })}
        disabled={test.isPending}
        data-testid="test-connection"
      >
        {test.isPending ? 'Testing…' : 'Test'}
      </button>
      {test.isSuccess ? (
        test.data.ok ? (
          <span className="text-ok" data-testid="test-result" data-ok="true">
            ✓ {serverText(test.data.serverVersion)},{' '}
            {test.data.tls ? `encrypted (${test.data.tls})` : 'not encrypted'}
          </span>
        ) : (
          <span className="text-bad" data-testid="test-result" data-ok="false" role="alert">
            ✗ {test.data.error}
          </span>
        )
      ) : null}
      {test.isError ? <ErrorBox title="Test failed" error={test.error} testId="test-error" /> : null}
    </div>
  );
}
