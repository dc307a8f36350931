<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<!-- Qt's own strings that Qt's Arabic catalogue (qtbase_ar.qm) lacks, in the dialogs this
     application opens (the file dialog). Written by hand; compiled by
     tools/build_translations.py and loaded after qtbase_ar.qm by gui/i18n.py. -->
<TS version="2.1" language="ar">
<context>
    <name>QFileDialog</name>
    <message>
        <source>&amp;Look in:</source>
        <translation>ال&amp;بحث في:</translation>
    </message>
    <message>
        <source>Look in:</source>
        <translation>البحث في:</translation>
    </message>
    <message>
        <source>Files of &amp;type:</source>
        <translation>&amp;نوع الملفات:</translation>
    </message>
    <message>
        <source>Files of type:</source>
        <translation>نوع الملفات:</translation>
    </message>
</context>
<context>
    <name>QAbstractFileIconProvider</name>
    <message>
        <source>Folder</source>
        <translation>مجلد</translation>
    </message>
    <message>
        <source>Drive</source>
        <translation>محرك أقراص</translation>
    </message>
    <message>
        <source>File</source>
        <translation>ملف</translation>
    </message>
    <message>
        <source>File Folder</source>
        <translation>مجلد ملفات</translation>
    </message>
</context>
<context>
    <name>QFileSystemModel</name>
    <message>
        <source>Folder</source>
        <translation>مجلد</translation>
    </message>
    <message>
        <source>Drive</source>
        <translation>محرك أقراص</translation>
    </message>
</context>
</TS>
