<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="ja_JP">
<context>
    <name>CandidatePanel</name>
    <message>
        <source>Candidate {i}: none</source>
        <extracomment>How many candidates are shown. The key that chooses this candidate, drawn in the button&apos;s corner. The character&apos;s kind (ひ, カ, 漢…), drawn in the other corner when a lookalike is also shown.</extracomment>
        <translation>候補 {i}: なし</translation>
    </message>
    <message>
        <source>{label}  {code}  {score}  (key {key})</source>
        <translation>{label}  {code}  {score}  (キー {key})</translation>
    </message>
    <message>
        <source>Candidate {i}: {label}, {score}</source>
        <translation>候補 {i}: {label}、{score}</translation>
    </message>
    <message>
        <source>digit</source>
        <translation>数字</translation>
    </message>
    <message>
        <source>Latin</source>
        <translation>英字</translation>
    </message>
    <message>
        <source>symbol</source>
        <translation>記号</translation>
    </message>
    <message>
        <source>Write a character: candidates appear after every stroke.</source>
        <translation>文字を書いてください。一画ごとに候補が表示されます。</translation>
    </message>
    <message>
        <source>Click the right one (or press 1-9, 0).</source>
        <translation>正しい文字をクリックしてください（1〜9、0 キーでも選べます）。</translation>
    </message>
</context>
<context>
    <name>CurvesWidget</name>
    <message>
        <source>waiting for the first epoch</source>
        <extracomment>Most per-batch points drawn; longer runs are averaged down to this (painting stays cheap).</extracomment>
        <translation>最初のエポックを待っています</translation>
    </message>
    <message>
        <source>epoch {n}</source>
        <translation>エポック {n}</translation>
    </message>
    <message>
        <source>training</source>
        <translation>学習</translation>
    </message>
    <message>
        <source>validation</source>
        <translation>検証</translation>
    </message>
</context>
<context>
    <name>FinetuneDialog</name>
    <message>
        <source>Add these {n} classes to the model ({shown}): the head grows, old classes keep their weights</source>
        <translation>この {n} クラスをモデルに追加する（{shown}）。出力層が増え、既存のクラスの重みはそのまま残ります</translation>
    </message>
    <message>
        <source>Not added: {n} label(s) the model does not know with fewer than {need} samples each: {labels}. A new class needs at least {need} samples; until then their samples are not used.</source>
        <translation>追加しないもの: モデルが知らず、サンプルが {need} 個未満のラベル {n} 個: {labels}。新しいクラスには {need} 個以上のサンプルが必要で、それまでそのサンプルは使われません。</translation>
    </message>
    <message>
        <source>{n} of them are held out to measure the new model before you switch to it</source>
        <translation>そのうち {n} 個は、切り替える前に新しいモデルを評価するために取り分けます</translation>
    </message>
    <message>
        <source>none can be held out to measure the new model (write some characters twice or more)</source>
        <translation>新しいモデルの評価用に取り分けられるサンプルがありません（同じ文字を 2 回以上書いてください）</translation>
    </message>
    <message>
        <source>Adapt &lt;b&gt;{title}&lt;/b&gt; to your {n} samples: {measured}; the current model is never changed.</source>
        <translation>&lt;b&gt;{title}&lt;/b&gt; をあなたの {n} 個のサンプルに合わせます。{measured}。今のモデルは変更されません。</translation>
    </message>
    <message>
        <source>{n} samples of labels the model does not know are left out.</source>
        <translation>モデルが知らないラベルのサンプル {n} 個は使いません。</translation>
    </message>
    <message>
        <source>&lt;b&gt;{n} more samples are needed&lt;/b&gt; (at least {need}). Correct the app when it misreads you, or use Samples &gt; Practice.</source>
        <translation>&lt;b&gt;あと {n} 個のサンプルが必要です&lt;/b&gt;（{need} 個以上）。読み違えたときに正しい文字を選ぶか、「サンプル &gt; 練習」を使ってください。</translation>
    </message>
    <message>
        <source>Your held-out samples: &lt;b&gt;no held-out samples&lt;/b&gt; to measure the new model on</source>
        <translation>取り分けたサンプル: 新しいモデルを評価する&lt;b&gt;サンプルがありません&lt;/b&gt;</translation>
    </message>
    <message>
        <source>Your {n} held-out samples: {before} → &lt;b&gt;{after}&lt;/b&gt;</source>
        <translation>取り分けたサンプル {n} 個: {before} → &lt;b&gt;{after}&lt;/b&gt;</translation>
    </message>
    <message>
        <source>Original validation data: not measured</source>
        <translation>元の検証データ: 評価なし</translation>
    </message>
    <message>
        <source>Original validation data: {before} → &lt;b&gt;{after}&lt;/b&gt;</source>
        <translation>元の検証データ: {before} → &lt;b&gt;{after}&lt;/b&gt;</translation>
    </message>
    <message>
        <source>New classes: {labels}</source>
        <translation>新しいクラス: {labels}</translation>
    </message>
    <message>
        <source> (read {share} of their held-out samples)</source>
        <translation>（取り分けたサンプルの {share} を正しく認識）</translation>
    </message>
    <message>
        <source>Accuracy on the original data fell by {drop} points ({before} → {after}), more than {allowed} allowed.</source>
        <translation>元のデータでの正解率が {drop} ポイント下がりました ({before} → {after})。許容は {allowed} ポイントまでです。</translation>
    </message>
    <message>
        <source>No held-out samples of yours to measure the new model on: write a few more of each character (a quarter of them is held out).</source>
        <translation>新しいモデルを測るための、取り分けたあなたのサンプルがありません。各文字をもう少し書いてください (4 分の 1 が測定用に取り分けられます)。</translation>
    </message>
    <message>
        <source>Your accuracy did not improve ({before} → {after}).</source>
        <translation>あなたの字の正解率は上がりませんでした ({before} → {after})。</translation>
    </message>
    <message>
        <source>Your accuracy {before} → {after}; original data {base_before} → {base_after}.</source>
        <translation>あなたの字の正解率 {before} → {after}、元のデータ {base_before} → {base_after}。</translation>
    </message>
    <message>
        <source>Not added as new classes ({n}: {labels}): a new class needs at least {need} samples; their samples were not used.</source>
        <translation>新しいクラスとして追加しなかった文字 ({n}: {labels}): 新しいクラスには {need} 個以上のサンプルが必要です。これらのサンプルは使われていません。</translation>
    </message>
</context>
<context>
    <name>InkCanvas</name>
    <message>
        <source>Writing canvas</source>
        <translation>手書き入力欄</translation>
    </message>
</context>
<context>
    <name>JobsWindow</name>
    <message>
        <source>Done in {s} s</source>
        <extracomment>Events that add a line to the job&apos;s log.</extracomment>
        <translation>{s} 秒で完了</translation>
    </message>
    <message>
        <source>Finished:</source>
        <translation>完了:</translation>
    </message>
    <message>
        <source>ETA: estimating…</source>
        <translation>残り時間: 推定中…</translation>
    </message>
    <message>
        <source>ETA {h} h {min} min</source>
        <translation>残り {h} 時間 {min} 分</translation>
    </message>
    <message>
        <source>ETA {min} min {s} s</source>
        <translation>残り {min} 分 {s} 秒</translation>
    </message>
    <message>
        <source>ETA {s} s</source>
        <translation>残り {s} 秒</translation>
    </message>
    <message>
        <source>cancelling…</source>
        <translation>中止中…</translation>
    </message>
    <message>
        <source>running</source>
        <translation>実行中</translation>
    </message>
    <message>
        <source>Finished</source>
        <translation>完了</translation>
    </message>
    <message>
        <source>Failed</source>
        <translation>失敗</translation>
    </message>
    <message>
        <source>Cancelled</source>
        <translation>中止</translation>
    </message>
    <message>
        <source>Running</source>
        <translation>実行中</translation>
    </message>
    <message>
        <source>Queued</source>
        <translation>待機中</translation>
    </message>
    <message>
        <source>Jobs</source>
        <translation>ジョブ</translation>
    </message>
    <message>
        <source>No jobs yet: start one from the Training menu.</source>
        <translation>ジョブはまだありません。「学習」メニューから始めてください。</translation>
    </message>
    <message>
        <source>Overall</source>
        <translation>全体</translation>
    </message>
    <message>
        <source>Epochs</source>
        <translation>エポック</translation>
    </message>
    <message>
        <source>Batches</source>
        <translation>バッチ</translation>
    </message>
    <message>
        <source>Cancel job</source>
        <translation>ジョブを中止</translation>
    </message>
    <message>
        <source>Cancelling…</source>
        <translation>中止しています…</translation>
    </message>
    <message>
        <source>{state} after {s} s</source>
        <translation>{s} 秒で{state}</translation>
    </message>
</context>
<context>
    <name>LabelPrompt</name>
    <message>
        <source>Several characters</source>
        <translation>複数の文字</translation>
    </message>
    <message>
        <source>“{label}” is {n} characters, and a label is one character: what you wrote on the canvas. Create a class of several characters “{label}” all the same?</source>
        <translation>「{label}」は {n} 文字ですが、ラベルは手書き欄に書いた 1 文字です。それでも複数文字のクラス「{label}」を作りますか？</translation>
    </message>
    <message>
        <source>Create multi-character class</source>
        <translation>複数文字のクラスを作る</translation>
    </message>
    <message>
        <source>Not a label</source>
        <translation>ラベルとして使えません</translation>
    </message>
    <message>
        <source>A new class</source>
        <translation>新しいクラス</translation>
    </message>
    <message>
        <source>{model} does not know “{label}”. Keep this as a sample of a new class “{label}”? It has no sample yet; a fine-tune adds a new class once it has {n} samples.</source>
        <translation>{model} は「{label}」を知りません。新しいクラス「{label}」のサンプルとして保存しますか？ まだサンプルはありません。サンプルが {n} 個集まると、調整で新しいクラスが追加されます。</translation>
    </message>
    <message>
        <source>Keep as new class</source>
        <translation>新しいクラスとして保存</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>キャンセル</translation>
    </message>
</context>
<context>
    <name>MainWindow</name>
    <message>
        <source>Pictures and ink</source>
        <translation>画像とインク</translation>
    </message>
    <message>
        <source>All files</source>
        <translation>すべてのファイル</translation>
    </message>
    <message>
        <source>Show all candidates</source>
        <translation>すべての候補を表示</translation>
    </message>
    <message>
        <source>Show digits</source>
        <translation>数字だけを表示</translation>
    </message>
    <message>
        <source>Show kana</source>
        <translation>かなだけを表示</translation>
    </message>
    <message>
        <source>Show kanji</source>
        <translation>漢字だけを表示</translation>
    </message>
    <message>
        <source>Loading model…</source>
        <translation>モデルを読み込み中…</translation>
    </message>
    <message>
        <source>Undo</source>
        <extracomment>The smallest window in which the canvas and all ten candidates stay legible.</extracomment>
        <translation>元に戻す</translation>
    </message>
    <message>
        <source>Undo the last stroke (Ctrl+Z)</source>
        <translation>最後の一画を取り消します (Ctrl+Z)</translation>
    </message>
    <message>
        <source>Redo</source>
        <translation>やり直す</translation>
    </message>
    <message>
        <source>Redo (Ctrl+Shift+Z)</source>
        <translation>取り消した一画をやり直します (Ctrl+Shift+Z)</translation>
    </message>
    <message>
        <source>Clear</source>
        <translation>消去</translation>
    </message>
    <message>
        <source>Clear the canvas (Esc; Ctrl+Z brings it back)</source>
        <translation>手書き欄を消去します (Esc。Ctrl+Z で元に戻せます)</translation>
    </message>
    <message>
        <source>Text copied</source>
        <translation>テキストをコピーしました</translation>
    </message>
    <message>
        <source>&amp;File</source>
        <translation>ファイル(&amp;F)</translation>
    </message>
    <message>
        <source>&amp;Open picture or ink…</source>
        <translation>画像またはインクを開く(&amp;O)…</translation>
    </message>
    <message>
        <source>&amp;Quit</source>
        <translation>終了(&amp;Q)</translation>
    </message>
    <message>
        <source>&amp;Edit</source>
        <translation>編集(&amp;E)</translation>
    </message>
    <message>
        <source>&amp;Undo stroke</source>
        <translation>一画取り消す(&amp;U)</translation>
    </message>
    <message>
        <source>&amp;Redo stroke</source>
        <translation>一画やり直す(&amp;R)</translation>
    </message>
    <message>
        <source>&amp;Clear canvas</source>
        <translation>手書き欄を消去(&amp;C)</translation>
    </message>
    <message>
        <source>&amp;Paste picture</source>
        <translation>画像を貼り付け(&amp;P)</translation>
    </message>
    <message>
        <source>Copy &amp;text</source>
        <translation>テキストをコピー(&amp;T)</translation>
    </message>
    <message>
        <source>Clear te&amp;xt</source>
        <translation>テキストを消去(&amp;X)</translation>
    </message>
    <message>
        <source>&amp;Width of letters and digits</source>
        <translation>英数字と記号の幅(&amp;W)</translation>
    </message>
    <message>
        <source>&amp;View</source>
        <translation>表示(&amp;V)</translation>
    </message>
    <message>
        <source>&amp;Language</source>
        <translation>言語(&amp;L)</translation>
    </message>
    <message>
        <source>&amp;Model</source>
        <translation>モデル(&amp;M)</translation>
    </message>
    <message>
        <source>&amp;Samples</source>
        <translation>サンプル(&amp;S)</translation>
    </message>
    <message>
        <source>&amp;Training</source>
        <translation>学習(&amp;T)</translation>
    </message>
    <message>
        <source>&amp;Help</source>
        <translation>ヘルプ(&amp;H)</translation>
    </message>
    <message>
        <source>&amp;About mojiyomi</source>
        <translation>mojiyomi について(&amp;A)</translation>
    </message>
    <message>
        <source>System language</source>
        <translation>システムの言語</translation>
    </message>
    <message>
        <source>The new language applies when mojiyomi starts again.</source>
        <translation>新しい言語は mojiyomi の次回起動時に反映されます。</translation>
    </message>
    <message>
        <source>Loading {name}…</source>
        <extracomment>QSettings key of the model the user chose last.</extracomment>
        <translation>{name} を読み込み中…</translation>
    </message>
    <message>
        <source>No models installed</source>
        <translation>インストールされたモデルはありません</translation>
    </message>
    <message>
        <source>Open model &amp;folder…</source>
        <translation>モデルのフォルダを開く(&amp;F)…</translation>
    </message>
    <message>
        <source>&amp;Refresh list</source>
        <translation>一覧を更新(&amp;R)</translation>
    </message>
    <message>
        <source>Open a model bundle folder</source>
        <translation>モデルバンドルのフォルダを開く</translation>
    </message>
    <message>
        <source>Model: {title}</source>
        <translation>モデル: {title}</translation>
    </message>
    <message>
        <source>{title} ready ({ms} ms to load)</source>
        <translation>{title} の準備ができました（読み込み {ms} ms）</translation>
    </message>
    <message>
        <source>Still using {title}.</source>
        <translation>引き続き {title} を使います。</translation>
    </message>
    <message>
        <source>Starting with the default model ({name}) instead.</source>
        <translation>代わりに既定のモデル ({name}) で起動します。</translation>
    </message>
    <message>
        <source>No model is installed: train one (Training menu) or open a bundle folder (Model menu).</source>
        <translation>モデルがインストールされていません。学習するか（「学習」メニュー）、バンドルのフォルダを開いてください（「モデル」メニュー）。</translation>
    </message>
    <message>
        <source>No model is loaded: choose one in the Model menu.</source>
        <translation>モデルが読み込まれていません。「モデル」メニューから選んでください。</translation>
    </message>
    <message>
        <source>No model</source>
        <translation>モデルなし</translation>
    </message>
    <message>
        <source>Could not open the model</source>
        <translation>モデルを開けませんでした</translation>
    </message>
    <message>
        <source>“{filter}” matches none of this model&apos;s characters, so no candidates appear. Choose View &gt; Show all candidates.</source>
        <translation>「{filter}」に当てはまる文字がこのモデルにはないため、候補が表示されません。「表示」&gt;「すべての候補を表示」を選んでください。</translation>
    </message>
    <message>
        <source>Last recognition: {total} ms from the request to the candidates (reading, preprocessing and model: {model} ms)</source>
        <translation>前回の認識: 要求から候補表示まで {total} ms（読み取り・前処理・モデル: {model} ms）</translation>
    </message>
    <message>
        <source>Could not recognize the writing</source>
        <translation>手書きを認識できませんでした</translation>
    </message>
    <message>
        <source>Open pictures or ink</source>
        <translation>画像またはインクを開く</translation>
    </message>
    <message>
        <source>Could not open {name}</source>
        <translation>{name} を開けませんでした</translation>
    </message>
    <message>
        <source>Could not paste the picture</source>
        <translation>画像を貼り付けられませんでした</translation>
    </message>
    <message>
        <source>Nothing to paste</source>
        <translation>貼り付けるものがありません</translation>
    </message>
    <message>
        <source>The clipboard holds no picture. Copy a picture of handwriting (or an image file) first.</source>
        <translation>クリップボードに画像がありません。先に手書きの画像（または画像ファイル）をコピーしてください。</translation>
    </message>
    <message>
        <source>Could not read the dropped picture</source>
        <translation>ドロップされた画像を読み込めませんでした</translation>
    </message>
    <message>
        <source>About mojiyomi</source>
        <translation>mojiyomi について</translation>
    </message>
    <message>
        <source>handwriting recognition for Japanese and digits.</source>
        <translation>日本語と数字の手書き文字認識。</translation>
    </message>
    <message>
        <source>Write on the canvas, open a picture, or train your own model.</source>
        <translation>手書き欄に書く、画像を開く、自分のモデルを学習する、などができます。</translation>
    </message>
    <message>
        <source>Model: {title} ({name} {version}, {n} classes)</source>
        <translation>モデル: {title}（{name} {version}、{n} クラス）</translation>
    </message>
    <message>
        <source>Trained on {hardware} in {time}.</source>
        <translation>{hardware} で {time} かけて学習。</translation>
    </message>
    <message>
        <source>Language model (reading several characters): {credit}</source>
        <translation>言語モデル（複数文字の読み取り）: {credit}</translation>
    </message>
    <message>
        <source>Stroke order: {credit}</source>
        <translation>筆順: {credit}</translation>
    </message>
    <message>
        <source>Readings and meanings: {credit}</source>
        <translation>読みと意味: {credit}</translation>
    </message>
    <message>
        <source>Touching characters in pictures: {credit}</source>
        <translation>画像の接した文字の切り分け: {credit}</translation>
    </message>
    <message>
        <source>Whole characters in pictures: {credit}</source>
        <translation>画像の文字のまとまりの判定: {credit}</translation>
    </message>
    <message>
        <source>{n} min</source>
        <translation>{n} 分</translation>
    </message>
    <message>
        <source>Not available in this installation</source>
        <translation>このインストールでは使えません</translation>
    </message>
    <message>
        <source>&amp;Delete a trained model…</source>
        <translation>学習したモデルを削除(&amp;D)…</translation>
    </message>
</context>
<context>
    <name>ModelDelete</name>
    <message>
        <source>Delete a trained model</source>
        <translation>学習したモデルを削除</translation>
    </message>
    <message>
        <source>Model to delete (the models that come with mojiyomi cannot be deleted):</source>
        <translation>削除するモデル（mojiyomi に付属のモデルは削除できません）:</translation>
    </message>
    <message>
        <source>Delete the model “{title}”? Its folder {path} is removed; this cannot be undone.</source>
        <translation>モデル「{title}」を削除しますか？ フォルダー {path} が削除され、元に戻せません。</translation>
    </message>
    <message>
        <source>It is the current model: mojiyomi switches to {name} first.</source>
        <translation>使用中のモデルです。先に {name} に切り替えます。</translation>
    </message>
    <message>
        <source>Delete</source>
        <translation>削除</translation>
    </message>
    <message>
        <source>The model was not deleted</source>
        <translation>モデルは削除されませんでした</translation>
    </message>
    <message>
        <source>The default model could not be loaded, so {title} stays in use.</source>
        <translation>既定のモデルを読み込めなかったため、{title} を使い続けます。</translation>
    </message>
    <message>
        <source>There is no trained model to delete (the models that come with mojiyomi cannot be deleted).</source>
        <translation>削除できる学習済みモデルはありません（mojiyomi に付属のモデルは削除できません）。</translation>
    </message>
    <message>
        <source>Deleted the model “{title}”.</source>
        <translation>モデル「{title}」を削除しました。</translation>
    </message>
</context>
<context>
    <name>PictureView</name>
    <message>
        <source>Layout: automatic</source>
        <translation>レイアウト：自動</translation>
    </message>
    <message>
        <source>Lines (left to right)</source>
        <translation>横書き（左から右）</translation>
    </message>
    <message>
        <source>Columns (right to left)</source>
        <translation>縦書き（右から左）</translation>
    </message>
    <message>
        <source>One character</source>
        <translation>1文字</translation>
    </message>
    <message>
        <source>How the writing runs; the picture is read again</source>
        <translation>文字の並び方（変えると画像を読み直します）</translation>
    </message>
    <message>
        <source>Merge</source>
        <translation>結合</translation>
    </message>
    <message>
        <source>Make one character of the selected box and its neighbour on the line (M)</source>
        <translation>選んだ枠と同じ行の隣の枠を1文字にまとめる (M)</translation>
    </message>
    <message>
        <source>Split</source>
        <translation>分割</translation>
    </message>
    <message>
        <source>Cut the selected box in two (S)</source>
        <translation>選んだ枠を2文字に分ける (S)</translation>
    </message>
    <message>
        <source>Next picture</source>
        <translation>次の画像</translation>
    </message>
    <message>
        <source>Read the next picture opened</source>
        <translation>開いた次の画像を読む</translation>
    </message>
    <message>
        <source>Back to writing</source>
        <translation>手書きに戻る</translation>
    </message>
    <message>
        <source>Close the picture and write on the canvas again</source>
        <translation>画像を閉じてキャンバスに書く</translation>
    </message>
    <message>
        <source>The text read from the picture</source>
        <translation>画像から読んだ文字列</translation>
    </message>
    <message>
        <source>Insert</source>
        <translation>挿入</translation>
    </message>
    <message>
        <source>Insert the text read into the text line (Enter)</source>
        <translation>読んだ文字列をテキスト欄に挿入 (Enter)</translation>
    </message>
    <message>
        <source>Copy text</source>
        <translation>テキストをコピー</translation>
    </message>
    <message>
        <source>Copy the text read from the picture</source>
        <translation>画像から読んだ文字列をコピー</translation>
    </message>
    <message>
        <source>Click a box to see its character&apos;s candidates.</source>
        <translation>枠をクリックすると、その文字の候補が表示されます。</translation>
    </message>
    <message>
        <source>Pasted picture</source>
        <translation>貼り付けた画像</translation>
    </message>
    <message>
        <source>Finding the characters…</source>
        <translation>文字を探しています…</translation>
    </message>
    <message>
        <source>Reading line {done} of {total}…</source>
        <translation>{total} 行中 {done} 行目を読んでいます…</translation>
    </message>
    <message>
        <source>Could not read the picture</source>
        <translation>画像を読めませんでした</translation>
    </message>
    <message>
        <source>Could not read {name}</source>
        <translation>{name} を読めませんでした</translation>
    </message>
    <message>
        <source>Character {i} of {n}: {label}. Click the right one (or press 1-9, 0).</source>
        <translation>{n} 文字中 {i} 文字目：{label}。正しいものをクリック（または 1-9, 0 キー）。</translation>
    </message>
    <message>
        <source>Next picture ({n} more)</source>
        <translation>次の画像（残り {n}）</translation>
    </message>
    <message>
        <source>Not kept as a sample: {error}</source>
        <translation>サンプルとして保存できませんでした：{error}</translation>
    </message>
    <message>
        <source>from the picture; see My samples</source>
        <translation>画像から。「マイサンプル」で確認できます</translation>
    </message>
    <message>
        <source>Could not remove the sample</source>
        <translation>サンプルを削除できませんでした</translation>
    </message>
    <message>
        <source>The picture, with a box around every character</source>
        <translation>画像（文字ごとに枠付き）</translation>
    </message>
</context>
<context>
    <name>PracticeDialog</name>
    <message>
        <source>Practice</source>
        <translation>練習</translation>
    </message>
    <message>
        <source>The characters to practise; by default those the model misread most</source>
        <translation>練習する文字。既定ではモデルが最もよく読み間違えた文字です</translation>
    </message>
    <message>
        <source>Most misread</source>
        <translation>よく間違える文字</translation>
    </message>
    <message>
        <source>The characters you corrected most often:</source>
        <translation>よく訂正した文字:</translation>
    </message>
    <message>
        <source>none yet</source>
        <translation>まだありません</translation>
    </message>
    <message>
        <source>Characters to practise</source>
        <translation>練習する文字</translation>
    </message>
    <message>
        <source>Times each</source>
        <translation>各文字の回数</translation>
    </message>
    <message>
        <source>Start</source>
        <translation>開始</translation>
    </message>
    <message>
        <source>Save (Enter)</source>
        <translation>保存 (Enter)</translation>
    </message>
    <message>
        <source>Skip</source>
        <translation>スキップ</translation>
    </message>
    <message>
        <source>Undo stroke</source>
        <translation>一画取り消す</translation>
    </message>
    <message>
        <source>Finish</source>
        <translation>終了</translation>
    </message>
    <message>
        <source>Could not keep the sample</source>
        <translation>サンプルを保存できませんでした</translation>
    </message>
    <message>
        <source>Choose characters and press Start.</source>
        <translation>文字を選んで「開始」を押してください。</translation>
    </message>
    <message>
        <source>Done: {saved} kept of {n}. Press Finish, or Start again.</source>
        <translation>完了: {n} 個中 {saved} 個を保存しました。「終了」を押すか、もう一度「開始」を押してください。</translation>
    </message>
    <message>
        <source>Write “{label}”: {i} / {n}</source>
        <translation>「{label}」を書いてください: {i} / {n}</translation>
    </message>
    <message>
        <source>Show the character faintly to write over</source>
        <translation>手本を薄く表示して、なぞって書く</translation>
    </message>
    <message>
        <source>Its strokes from KanjiVG, in the writing box</source>
        <translation>KanjiVG の筆画を、書く枠の中に薄く表示します</translation>
    </message>
</context>
<context>
    <name>ReadingBar</name>
    <message>
        <source>Insert</source>
        <translation>挿入</translation>
    </message>
    <message>
        <source>Append the reading to the text and clear the canvas (Enter)</source>
        <translation>読み取った文字をテキストに追加し、手書き欄を消去します (Enter)</translation>
    </message>
    <message>
        <source>Character {i} of the reading: {label}</source>
        <translation>読み取り結果の {i} 文字目: {label}</translation>
    </message>
</context>
<context>
    <name>ReadingsPanel</name>
    <message>
        <source>long vowel mark</source>
        <extracomment>QSettings key: whether the readings dock is shown.</extracomment>
        <translation>長音符</translation>
    </message>
    <message>
        <source>hiragana repeat mark</source>
        <translation>ひらがなの繰り返し記号</translation>
    </message>
    <message>
        <source>hiragana voiced repeat mark</source>
        <translation>ひらがなの繰り返し記号（濁点）</translation>
    </message>
    <message>
        <source>katakana repeat mark</source>
        <translation>カタカナの繰り返し記号</translation>
    </message>
    <message>
        <source>katakana voiced repeat mark</source>
        <translation>カタカナの繰り返し記号（濁点）</translation>
    </message>
    <message>
        <source>middle dot</source>
        <translation>中点</translation>
    </message>
    <message>
        <source>Grade {n}</source>
        <translation>小学{n}年</translation>
    </message>
    <message>
        <source>Jōyō kanji (secondary school)</source>
        <translation>常用漢字（中学以降）</translation>
    </message>
    <message>
        <source>Jinmeiyō kanji (used in names)</source>
        <translation>人名用漢字</translation>
    </message>
    <message>
        <source>former JLPT level {n}</source>
        <translation>旧日本語能力試験 {n}級</translation>
    </message>
    <message>
        <source>Point at a candidate or choose one to see its readings and meanings.</source>
        <translation>候補にポインタを合わせるか候補を選ぶと、読みと意味が表示されます。</translation>
    </message>
    <message>
        <source>The dictionary could not be read: {error}</source>
        <translation>辞書を読み込めませんでした: {error}</translation>
    </message>
    <message>
        <source>No readings for this character.</source>
        <translation>この文字の読みはありません。</translation>
    </message>
    <message>
        <source>Kanji</source>
        <translation>漢字</translation>
    </message>
    <message>
        <source>{n} strokes</source>
        <translation>{n} 画</translation>
    </message>
    <message>
        <source>On</source>
        <translation>音読み</translation>
    </message>
    <message>
        <source>Kun</source>
        <translation>訓読み</translation>
    </message>
    <message>
        <source>Meanings</source>
        <translation>意味</translation>
    </message>
    <message>
        <source>Words</source>
        <translation>用例</translation>
    </message>
    <message>
        <source>Hiragana</source>
        <translation>ひらがな</translation>
    </message>
    <message>
        <source>Katakana</source>
        <translation>カタカナ</translation>
    </message>
    <message>
        <source>small</source>
        <translation>小書き</translation>
    </message>
    <message>
        <source>Reading: {romaji}</source>
        <translation>読み: {romaji}</translation>
    </message>
    <message>
        <source>&amp;Readings and meanings</source>
        <translation>読みと意味(&amp;R)</translation>
    </message>
    <message>
        <source>Show the readings, meanings and common words of the candidate under the pointer or chosen</source>
        <translation>ポインタを合わせた候補や選んだ候補の読み・意味・よく使われる語を表示します</translation>
    </message>
    <message>
        <source>Readings and meanings</source>
        <translation>読みと意味</translation>
    </message>
</context>
<context>
    <name>SampleNotice</name>
    <message>
        <source>Undo</source>
        <translation>元に戻す</translation>
    </message>
    <message>
        <source>Do not keep this sample</source>
        <translation>このサンプルを保存しません</translation>
    </message>
    <message>
        <source>Kept as a sample of “{label}”</source>
        <translation>「{label}」のサンプルとして保存しました</translation>
    </message>
</context>
<context>
    <name>SamplesWindow</name>
    <message>
        <source>; the model read “{label}”</source>
        <extracomment>Thumbnails kept drawn; the view asks only for the visible ones, so this bounds memory (about 20 kB each) without redrawing while scrolling back and forth. Thumbnails read from the database at once.</extracomment>
        <translation>、モデルの読み取り「{label}」</translation>
    </message>
    <message>
        <source>no model</source>
        <translation>モデルなし</translation>
    </message>
    <message>
        <source>from a picture: {source}</source>
        <translation>画像から: {source}</translation>
    </message>
    <message>
        <source>My samples</source>
        <translation>マイサンプル</translation>
    </message>
    <message>
        <source>Label:</source>
        <translation>ラベル:</translation>
    </message>
    <message>
        <source>From:</source>
        <translation>開始日:</translation>
    </message>
    <message>
        <source>Relabel…</source>
        <translation>ラベルを変更…</translation>
    </message>
    <message>
        <source>Delete</source>
        <translation>削除</translation>
    </message>
    <message>
        <source>Undo delete</source>
        <translation>削除を取り消す</translation>
    </message>
    <message>
        <source>Export…</source>
        <translation>書き出し…</translation>
    </message>
    <message>
        <source>Import…</source>
        <translation>読み込み…</translation>
    </message>
    <message>
        <source>Could not read your samples</source>
        <translation>サンプルを読み込めませんでした</translation>
    </message>
    <message>
        <source>{n} of {total} samples</source>
        <translation>{total} 個中 {n} 個のサンプル</translation>
    </message>
    <message>
        <source>All</source>
        <translation>すべて</translation>
    </message>
    <message>
        <source>Relabel</source>
        <translation>ラベルを変更</translation>
    </message>
    <message>
        <source>New label for {n} sample(s):</source>
        <translation>{n} 個のサンプルの新しいラベル:</translation>
    </message>
    <message>
        <source>Could not relabel</source>
        <translation>ラベルを変更できませんでした</translation>
    </message>
    <message>
        <source>Could not delete</source>
        <translation>削除できませんでした</translation>
    </message>
    <message>
        <source>Could not undo</source>
        <translation>元に戻せませんでした</translation>
    </message>
    <message>
        <source>Export {n} samples</source>
        <translation>{n} 個のサンプルを書き出す</translation>
    </message>
    <message>
        <source>Ink dataset</source>
        <translation>インクのデータセット</translation>
    </message>
    <message>
        <source>Could not export</source>
        <translation>書き出せませんでした</translation>
    </message>
    <message>
        <source>Exported {n} samples to {name}</source>
        <translation>{n} 個のサンプルを {name} に書き出しました</translation>
    </message>
    <message>
        <source>Import samples</source>
        <translation>サンプルを読み込む</translation>
    </message>
    <message>
        <source>Could not import</source>
        <translation>読み込めませんでした</translation>
    </message>
    <message>
        <source>Imported {n} samples</source>
        <translation>{n} 個のサンプルを読み込みました</translation>
    </message>
    <message>
        <source>Imported 0 samples: every ink in the file is already here (same label and strokes)</source>
        <translation>読み込んだサンプルは 0 個です。ファイル内のインクはすべて登録済みです（ラベルと筆画が同じ）</translation>
    </message>
    <message>
        <source>Your samples database is damaged</source>
        <translation>サンプルのデータベースが壊れています</translation>
    </message>
    <message>
        <source>Move the damaged file aside (it is kept) and start a new one?</source>
        <translation>壊れたファイルを別の場所に移して（ファイルは残ります）、新しく始めますか？</translation>
    </message>
    <message>
        <source>Your samples cannot be kept</source>
        <translation>サンプルを保存できません</translation>
    </message>
    <message>
        <source>Recognition still works; corrections are not kept until this is fixed.</source>
        <translation>認識は引き続き使えますが、この問題が解決するまで訂正は保存されません。</translation>
    </message>
</context>
<context>
    <name>StartWindow</name>
    <message>
        <source>mojiyomi is starting</source>
        <extracomment>How long the main window waits for the start window to be drawn before it is built anyway. OpenBLAS&apos;s thread count (NumPy&apos;s wheels ship OpenBLAS); read when NumPy first loads. The start window&apos;s size in logical pixels. The app icon, also installed for Linux desktops (resources/icons/install_linux.sh).</extracomment>
        <translation>mojiyomi を起動しています</translation>
    </message>
    <message>
        <source>Starting mojiyomi…</source>
        <translation>mojiyomi を起動中…</translation>
    </message>
</context>
<context>
    <name>StrokeOrderView</name>
    <message>
        <source>Click to watch it again</source>
        <extracomment>How fast the pen moves, in character boxes per second (a long stroke takes about half a second). The pause before each stroke, in ms: long enough to see where the next one starts. Timer tick, in ms (about 30 frames a second: smooth, and cheap on a busy machine). The stroke being written: a red that reads on light and dark paper.</extracomment>
        <translation>クリックするともう一度再生します</translation>
    </message>
    <message>
        <source>Replay</source>
        <translation>もう一度</translation>
    </message>
    <message>
        <source>Draw the strokes again, one by one</source>
        <translation>一画ずつ、もう一度書いて見せます</translation>
    </message>
    <message>
        <source>Practise</source>
        <translation>練習</translation>
    </message>
    <message>
        <source>Write this character in Practice, with its strokes faintly under the pen</source>
        <translation>この文字を練習で書きます（手本を薄く表示）</translation>
    </message>
    <message>
        <source>Stroke order: KanjiVG (CC BY-SA 3.0)</source>
        <translation>筆順: KanjiVG (CC BY-SA 3.0)</translation>
    </message>
    <message>
        <source>How to write {char}: {n} strokes</source>
        <translation>{char} の書き順: {n} 画</translation>
    </message>
    <message>
        <source>No stroke order for {char}</source>
        <translation>{char} の筆順データはありません</translation>
    </message>
    <message>
        <source>Select a candidate to see how it is written.</source>
        <translation>候補を選ぶと、書き順が表示されます。</translation>
    </message>
</context>
<context>
    <name>TextForm</name>
    <message>
        <source>Automatic (full-width with a Japanese model)</source>
        <extracomment>The choices, with their titles in the menu.</extracomment>
        <translation>自動（日本語のモデルでは全角）</translation>
    </message>
    <message>
        <source>Full-width (ＡＢＣ１２３)</source>
        <translation>全角（ＡＢＣ１２３）</translation>
    </message>
    <message>
        <source>Half-width (ABC123)</source>
        <translation>半角（ABC123）</translation>
    </message>
</context>
<context>
    <name>TextLine</name>
    <message>
        <source>Text:</source>
        <translation>テキスト:</translation>
    </message>
    <message>
        <source>Chosen characters appear here</source>
        <translation>選んだ文字がここに表示されます</translation>
    </message>
    <message>
        <source>Recognized text</source>
        <translation>認識したテキスト</translation>
    </message>
    <message>
        <source>Copy</source>
        <translation>コピー</translation>
    </message>
    <message>
        <source>Copy the text (Ctrl+Shift+C)</source>
        <translation>テキストをコピーします (Ctrl+Shift+C)</translation>
    </message>
</context>
<context>
    <name>TrainDialog</name>
    <message>
        <source>Train a new model</source>
        <extracomment>QSettings group where the Train dialog keeps its settings between openings.</extracomment>
        <translation>新しいモデルを学習</translation>
    </message>
    <message>
        <source>MNIST folder, image folder, .jsonl, .npz, .tdic or ETL files</source>
        <translation>MNIST のフォルダ、画像フォルダ、.jsonl・.npz・.tdic・ETL ファイル</translation>
    </message>
    <message>
        <source>Dataset</source>
        <translation>データセット</translation>
    </message>
    <message>
        <source>Model</source>
        <translation>モデル</translation>
    </message>
    <message>
        <source>Epochs</source>
        <translation>エポック数</translation>
    </message>
    <message>
        <source>Batch size</source>
        <translation>バッチサイズ</translation>
    </message>
    <message>
        <source>Input size (pixels)</source>
        <translation>入力サイズ（ピクセル）</translation>
    </message>
    <message>
        <source>all samples</source>
        <translation>すべてのサンプル</translation>
    </message>
    <message>
        <source>Read at most</source>
        <translation>読み込む上限</translation>
    </message>
    <message>
        <source>Learning rate</source>
        <translation>学習率</translation>
    </message>
    <message>
        <source>Name</source>
        <translation>名前</translation>
    </message>
    <message>
        <source>Start training</source>
        <translation>学習を開始</translation>
    </message>
    <message>
        <source>Folder…</source>
        <translation>フォルダ…</translation>
    </message>
    <message>
        <source>File…</source>
        <translation>ファイル…</translation>
    </message>
    <message>
        <source>Choose a dataset.</source>
        <translation>データセットを選んでください。</translation>
    </message>
    <message>
        <source>Fine-tune on my handwriting</source>
        <translation>自分の筆跡に合わせて調整</translation>
    </message>
    <message>
        <source>Start fine-tuning</source>
        <translation>調整を開始</translation>
    </message>
    <message>
        <source>The model reads {top1}, no better than guessing among {classes} classes ({chance}; a useful model reaches {threshold} at least)</source>
        <translation>このモデルの正解率は {top1} で、{classes} クラスから当てずっぽうに選ぶのと変わりません (偶然は {chance}、役に立つモデルは少なくとも {threshold})</translation>
    </message>
    <message>
        <source>The model&apos;s accuracy could not be measured</source>
        <translation>このモデルの正解率を測れませんでした</translation>
    </message>
    <message>
        <source>too few samples ({n} per class; at least {need} help)</source>
        <translation>サンプルが少なすぎること (1 クラスあたり {n} 個、{need} 個以上あると良くなります)</translation>
    </message>
    <message>
        <source>too short a run ({epochs} epochs of {samples} samples are {steps} training steps; more epochs help)</source>
        <translation>学習が短すぎること ({samples} サンプルで {epochs} エポックは {steps} ステップです。エポックを増やすと良くなります)</translation>
    </message>
    <message>
        <source>the data or the settings (check the labels, or try a lower learning rate)</source>
        <translation>データか設定 (ラベルを確かめるか、学習率を下げてみてください)</translation>
    </message>
    <message>
        <source> and </source>
        <translation>、および</translation>
    </message>
    <message>
        <source>{head}. Probably {causes}.</source>
        <translation>{head}。原因はおそらく{causes}です。</translation>
    </message>
    <message>
        <source>Training finished</source>
        <translation>学習が終わりました</translation>
    </message>
    <message>
        <source>Switch to it?</source>
        <translation>このモデルに切り替えますか？</translation>
    </message>
    <message>
        <source>Switch</source>
        <translation>切り替える</translation>
    </message>
    <message>
        <source>Keep current</source>
        <translation>今のモデルのまま</translation>
    </message>
    <message>
        <source>Switch anyway</source>
        <translation>それでも切り替える</translation>
    </message>
    <message>
        <source>Fine-tune finished</source>
        <translation>調整が終わりました</translation>
    </message>
    <message>
        <source>MNIST IDX files</source>
        <extracomment>Box side relative to the input side, as the bundled digits model (20 of 28 pixels).</extracomment>
        <translation>MNIST IDX ファイル</translation>
    </message>
    <message>
        <source>pictures, one sub-folder per label</source>
        <translation>画像（ラベルごとにサブフォルダー）</translation>
    </message>
    <message>
        <source>NumPy arrays (.npz)</source>
        <translation>NumPy 配列 (.npz)</translation>
    </message>
    <message>
        <source>ink, one JSON object per line</source>
        <translation>インク（1 行に 1 つの JSON）</translation>
    </message>
    <message>
        <source>Tomoe dictionary (.tdic)</source>
        <translation>Tomoe 辞書 (.tdic)</translation>
    </message>
    <message>
        <source>a samples database</source>
        <translation>サンプルのデータベース</translation>
    </message>
    <message>
        <source>ETL files</source>
        <translation>ETL ファイル</translation>
    </message>
    <message>
        <source>a Keras dataset</source>
        <translation>Keras のデータセット</translation>
    </message>
    <message>
        <source>Choose the dataset folder</source>
        <translation>データセットのフォルダーを選択</translation>
    </message>
    <message>
        <source>Choose the dataset file</source>
        <translation>データセットのファイルを選択</translation>
    </message>
    <message>
        <source>Found: {kind}</source>
        <translation>検出: {kind}</translation>
    </message>
    <message>
        <source>Made with input size {size}, box {box}, pen {ratio}: used unless you set the input size.</source>
        <translation>入力サイズ {size}、枠 {box}、線幅 {ratio} で作成されたデータです。入力サイズを指定しない限りこの値を使います。</translation>
    </message>
    <message>
        <source>The name may use letters, digits, &apos;.&apos;, &apos;_&apos; and &apos;-&apos; (at most 64, starting with a letter or digit). Received: {name}</source>
        <translation>名前に使えるのは英字・数字・「.」「_」「-」です（64 文字まで、英字か数字で始める）。入力: {name}</translation>
    </message>
    <message>
        <source>A model named “{name}” already exists: choose another name, for example “{free}”.</source>
        <translation>「{name}」という名前のモデルはすでにあります。別の名前（例:「{free}」）にしてください。</translation>
    </message>
    <message>
        <source>, test top-1 {top1}</source>
        <translation>、テスト top-1 {top1}</translation>
    </message>
    <message>
        <source>validation top-1 {top1}</source>
        <translation>検証 top-1 {top1}</translation>
    </message>
    <message>
        <source>no validation score</source>
        <translation>検証スコアなし</translation>
    </message>
    <message>
        <source>Model {name} trained: {validated}{tested}.</source>
        <translation>モデル {name} の学習が終わりました: {validated}{tested}。</translation>
    </message>
    <message>
        <source>This dataset was made with input size {size}: set the input size to {size}, or make the data again at {chosen}.</source>
        <translation>このデータセットは入力サイズ {size} で作られています。入力サイズを {size} にするか、{chosen} でデータを作り直してください。</translation>
    </message>
</context>
<context>
    <name>TrainingController</name>
    <message>
        <source>&amp;Train new model…</source>
        <extracomment>How often running jobs are polled (ms); polling never blocks.</extracomment>
        <translation>新しいモデルを学習(&amp;T)…</translation>
    </message>
    <message>
        <source>&amp;Fine-tune current model on my handwriting…</source>
        <translation>今のモデルを自分の筆跡に合わせる(&amp;F)…</translation>
    </message>
    <message>
        <source>Adapt the current model to the samples kept from your corrections</source>
        <translation>訂正して保存したサンプルに合わせて、今のモデルを調整します</translation>
    </message>
    <message>
        <source>&amp;Jobs</source>
        <translation>ジョブ(&amp;J)</translation>
    </message>
    <message>
        <source>&amp;Type the right label…</source>
        <translation>正しい文字を入力(&amp;T)…</translation>
    </message>
    <message>
        <source>&amp;My samples…</source>
        <translation>マイサンプル(&amp;M)…</translation>
    </message>
    <message>
        <source>&amp;Practice…</source>
        <translation>練習(&amp;P)…</translation>
    </message>
    <message>
        <source>Could not remove the sample</source>
        <translation>サンプルを削除できませんでした</translation>
    </message>
    <message>
        <source>The sample of “{label}” was not kept.</source>
        <translation>「{label}」のサンプルは保存しませんでした。</translation>
    </message>
    <message>
        <source>Could not keep the sample</source>
        <translation>サンプルを保存できませんでした</translation>
    </message>
    <message>
        <source>a new class: {have} of the {need} samples a fine-tune needs to add it</source>
        <translation>新しいクラス: 追加学習に必要な {need} 個のうち {have} 個</translation>
    </message>
    <message>
        <source>{n} in all</source>
        <translation>合計 {n} 個</translation>
    </message>
    <message>
        <source>Kept your “{label}” as a sample ({note}).</source>
        <translation>「{label}」をサンプルとして保存しました（{note}）。</translation>
    </message>
    <message>
        <source>Write something first, then type what it is.</source>
        <translation>先に文字を書いてから、その文字を入力してください。</translation>
    </message>
    <message>
        <source>Type the right label</source>
        <translation>正しい文字を入力</translation>
    </message>
    <message>
        <source>What did you write?</source>
        <translation>何を書きましたか？</translation>
    </message>
    <message>
        <source>The model</source>
        <translation>モデル</translation>
    </message>
    <message>
        <source>Open a model first: there is no current model to fine-tune.</source>
        <translation>先にモデルを開いてください。調整するモデルがありません。</translation>
    </message>
    <message>
        <source>Training is not installed</source>
        <translation>学習機能がインストールされていません</translation>
    </message>
    <message>
        <source>Training and fine-tuning need TensorFlow and Keras, which are not installed with this copy of mojiyomi. To add them, run:

    pip install &apos;mojiyomi[train]&apos;

and start mojiyomi again.</source>
        <translation>学習と調整には TensorFlow と Keras が必要ですが、この mojiyomi にはインストールされていません。追加するには次を実行してから:

    pip install &apos;mojiyomi[train]&apos;

mojiyomi を起動し直してください。</translation>
    </message>
    <message>
        <source>Cancelling the job… no model will be written or replaced.</source>
        <translation>ジョブを中止しています… モデルの書き込みや置き換えは行いません。</translation>
    </message>
    <message>
        <source>Fine-tuning failed</source>
        <translation>調整に失敗しました</translation>
    </message>
    <message>
        <source>Training failed</source>
        <translation>学習に失敗しました</translation>
    </message>
    <message>
        <source>No model was written or replaced.</source>
        <translation>モデルの書き込みや置き換えは行っていません。</translation>
    </message>
    <message>
        <source>The job was cancelled; no model was written or replaced.</source>
        <translation>ジョブを中止しました。モデルの書き込みや置き換えは行っていません。</translation>
    </message>
    <message>
        <source>A job is running</source>
        <translation>ジョブを実行中です</translation>
    </message>
    <message>
        <source>{n} training job(s) still running. Quitting cancels them; nothing half-trained is written and your models stay as they are.</source>
        <translation>学習ジョブが {n} 件実行中です。終了するとジョブは中止されます。学習途中のモデルは書き込まれず、今あるモデルはそのまま残ります。</translation>
    </message>
    <message>
        <source>Cancel job and quit</source>
        <translation>ジョブを中止して終了</translation>
    </message>
    <message>
        <source>Don&apos;t quit</source>
        <translation>終了しない</translation>
    </message>
</context>
<context>
    <name>WritingController</name>
    <message>
        <source>One character</source>
        <extracomment>The writing modes, with their titles in the View menu.</extracomment>
        <translation>1 文字ずつ</translation>
    </message>
    <message>
        <source>Several characters, left to right</source>
        <translation>複数の文字（横書き）</translation>
    </message>
    <message>
        <source>Several characters, top to bottom</source>
        <translation>複数の文字（縦書き）</translation>
    </message>
    <message>
        <source>Use the &amp;language model</source>
        <extracomment>Pauses after which a reading is inserted by itself (0: only on Insert or Enter), in ms. QSettings keys.</extracomment>
        <translation>言語モデルを使う(&amp;L)</translation>
    </message>
    <message>
        <source>Read several characters with the text around them (二月, not ニ月)</source>
        <translation>前後の文字も手がかりにして複数の文字を読み取ります（ニ月ではなく二月）</translation>
    </message>
    <message>
        <source>Insert after a &amp;pause</source>
        <translation>手を止めたら挿入(&amp;P)</translation>
    </message>
    <message>
        <source>Off (Insert or Enter)</source>
        <translation>オフ（挿入ボタンか Enter）</translation>
    </message>
    <message>
        <source>{s} s without writing</source>
        <translation>{s} 秒書かなかったら</translation>
    </message>
    <message>
        <source>Write a word or a phrase: its reading appears after every stroke.</source>
        <translation>単語や語句を書いてください。一画ごとに読み取り結果が表示されます。</translation>
    </message>
    <message>
        <source>Write a character: candidates appear after every stroke.</source>
        <translation>文字を書いてください。一画ごとに候補が表示されます。</translation>
    </message>
    <message>
        <source>Alternatives for {label} (character {i} of {n}). Enter inserts the text.</source>
        <translation>{label} の別の候補（{n} 文字中 {i} 文字目）。Enter でテキストに挿入します。</translation>
    </message>
    <message>
        <source>Inserted {text}</source>
        <translation>{text} を挿入しました</translation>
    </message>
    <message>
        <source>That character was typed: there are no alternatives to show.</source>
        <translation>その文字はキーボードで入力されたため、別の候補はありません。</translation>
    </message>
    <message>
        <source>Alternatives for {label} in the text: click one or press 1-9, 0 (Esc to type digits).</source>
        <translation>テキスト中の {label} の別の候補: クリックするか 1〜9、0 キーで選んでください（数字を入力するには Esc）。</translation>
    </message>
    <message>
        <source>Replaced {old} with {new}</source>
        <translation>{old} を {new} に置き換えました</translation>
    </message>
</context>
</TS>
